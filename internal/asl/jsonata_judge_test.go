package asl_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/asl"
	"stepfunctions-go/internal/asl/internal/aslref"
	"stepfunctions-go/internal/asl/jsonata"
	"stepfunctions-go/internal/asl/stateserror"
)

// aws-local-stepfunctions has no JSONata, so the corpus's JSONata cases are
// judged expression by expression: every {% %} evaluation the engine makes
// while running them is recorded with its bindings and evaluated again by
// the reference jsonata package run directly
// (internal/asl/jsonata/testdata/reference.cjs), which must give the same
// value, the same undefined, or the same error code and message.

// notJudged matches the expressions the reference package cannot evaluate
// as the engine does: the functions Step Functions adds are not in it, and
// $now and $millis read a clock ($random and $uuid are both). The
// internal/asl/jsonata tests check those functions.
var notJudged = regexp.MustCompile(`\$(partition|range|hash|random|uuid|parse|now|millis)\s*\(`)

// evaluation is one expression the engine evaluated, and its answer.
type evaluation struct {
	caseName  string
	expr      string
	bindings  json.RawMessage
	result    any
	undefined bool
	err       error
}

// recorder is an asl.Evaluator that records what it evaluates.
type recorder struct {
	inner       asl.Evaluator
	caseName    string
	mu          sync.Mutex
	evaluations []evaluation
}

func (r *recorder) Evaluate(ctx context.Context, expr string, bindings map[string]any) (any, error) {
	// The bindings are encoded before the evaluation: the engine's values
	// are immutable, but the record must be what the expression saw.
	encoded, encodeErr := json.Marshal(bindings)
	result, err := r.inner.Evaluate(ctx, expr, bindings)
	if encodeErr != nil {
		return nil, fmt.Errorf("recording %q: %v", expr, encodeErr)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evaluations = append(r.evaluations, evaluation{
		caseName: r.caseName, expr: expr, bindings: encoded, result: result, undefined: result == jsonata.Undefined, err: err,
	})
	return result, err
}

// referenceAnswer is reference.cjs's answer for one expression.
type referenceAnswer struct {
	Result    json.RawMessage `json:"result"`
	Undefined bool            `json:"undefined"`
	Error     *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func TestJSONataExpressionsAgainstTheReferencePackage(t *testing.T) {
	worker, err := jsonata.New(t.Context(), jsonata.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { worker.Close() })

	var recorded []evaluation
	cases := 0
	for _, c := range loadCorpus(t) {
		if !c.isJSONata() {
			continue
		}
		cases++
		r := &recorder{inner: worker, caseName: c.Name}
		got := runOurs(t, c, r)
		t.Logf("%s: %.300s", c.Name, got)
		require.Empty(t, got.Invalid, "%s: the engine refused the definition", c.Name)
		require.NotContains(t, got.Cause, "internal error", "%s", c.Name)
		require.NotEmpty(t, r.evaluations, "%s evaluates no expression: nothing to judge", c.Name)
		recorded = append(recorded, r.evaluations...)
	}

	type request struct {
		Expr     string          `json:"expr"`
		Bindings json.RawMessage `json:"bindings"`
	}
	var judged []evaluation
	var requests []request
	skipped := 0
	for _, e := range recorded {
		if notJudged.MatchString(e.expr) {
			skipped++
			continue
		}
		judged = append(judged, e)
		requests = append(requests, request{e.expr, e.bindings})
	}
	var answers []referenceAnswer
	script := filepath.Join("jsonata", "testdata", "reference.cjs")
	aslref.JSONata(t).Run(t, script, requests, &answers)
	require.Len(t, answers, len(judged))

	var disagreements []string
	for i, e := range judged {
		if why := disagreement(e, answers[i]); why != "" {
			disagreements = append(disagreements, fmt.Sprintf("%s: {%% %s %%}: %s", e.caseName, strings.TrimSpace(e.expr), why))
		}
	}
	t.Logf("%d JSONata cases: %d expression evaluations, %d judged by the reference jsonata package, %d left to internal/asl/jsonata's tests (Step Functions' functions and the clock)", cases, len(recorded), len(judged), skipped)
	require.Empty(t, disagreements, "the engine's JSONata evaluations that the reference package answers differently")
}

// disagreement is "" when the engine's answer is the reference's.
func disagreement(e evaluation, reference referenceAnswer) string {
	switch {
	case reference.Error != nil:
		want := reference.Error.Code + ": " + reference.Error.Message
		var se *stateserror.Error
		if !errors.As(e.err, &se) || se.Cause != want {
			return fmt.Sprintf("the reference fails with %q; the engine's evaluator answered %v, %v", want, e.result, e.err)
		}
	case e.err != nil:
		return fmt.Sprintf("the engine's evaluator failed (%v); the reference answered %s", e.err, reference.Result)
	case reference.Undefined != e.undefined:
		return fmt.Sprintf("undefined: the reference %v, the engine %v", reference.Undefined, e.undefined)
	case !reference.Undefined:
		var want any
		dec := json.NewDecoder(strings.NewReader(string(reference.Result)))
		dec.UseNumber()
		if err := dec.Decode(&want); err != nil {
			return "the reference's answer is not JSON: " + err.Error()
		}
		if !equalJSON(e.result, want) {
			got, _ := json.Marshal(e.result)
			return fmt.Sprintf("the reference gives %s, the engine %s", reference.Result, got)
		}
	}
	return ""
}
