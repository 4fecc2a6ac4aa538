package asl_test

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/asl/internal/aslref"
)

// The engine's differential test runs every JSONPath case of the corpus
// through this engine and through aws-local-stepfunctions 3.0.0 (the
// interpreter the local runner used before it), with the same Task answers
// and no real waiting, and requires the same output, or the same error
// name, and the same cause where the case wrote it (a task's or a Fail
// state's). Where the two differ and AWS's documentation says this engine
// is right, the case is listed in knownDisagreements with the
// documentation's words; an unlisted difference fails the test, and so
// does a listed one that no longer differs.

// Why this engine, not the reference, follows AWS. Quotes are from the
// developer guide; the ASL specification's data-test operators are
// paraphrased where marked.
const (
	isPresentFalse   = `ASL specification, Choice Rules, data-test operators (paraphrased): IsPresent compares its true or false with whether the Variable's path selects a field, so "IsPresent": false holds on a missing field; the reference's false never matches`
	contextState     = `guide, "Context object": the context object holds "State": {"EnteredTime": "String", "Name": "String", "RetryCount": Number}; the reference's context has no State.RetryCount`
	isTimestampFalse = `ASL specification, Choice Rules, data-test operators (paraphrased): IsTimestamp compares its true or false with whether the value is a timestamp in the RFC3339 profile ("Timestamps … must conform to RFC3339 profile ISO 8601", guide, Choice Rules), so "IsTimestamp": false holds on "abc"; the reference's false never matches`
)

// knownDisagreements maps a corpus case to the reason above.
var knownDisagreements = map[string]string{
	"choice-ispresent-false-on-a-missing-field": isPresentFalse,
	"choice-istimestamp-false-on-a-string":      isTimestampFalse,
	"context-state-and-retry-count":             contextState,
}

func TestDifferentialAgainstAwsLocalStepFunctions(t *testing.T) {
	var cases []corpusCase
	for _, c := range loadCorpus(t) {
		if !c.isJSONata() {
			cases = append(cases, c)
		}
	}
	type wire struct {
		Definition any                       `json:"definition"`
		Input      any                       `json:"input"`
		Context    any                       `json:"context"`
		Tasks      map[string][]corpusAnswer `json:"tasks"`
	}
	request := make([]wire, len(cases))
	for i, c := range cases {
		request[i] = wire{c.Definition, c.Input, referenceContext(c), c.Tasks}
	}
	var theirs []outcome
	aslref.Interpreter(t).Run(t, filepath.Join("testdata", "reference.mjs"), request, &theirs)
	require.Len(t, theirs, len(cases))

	seen := map[string]bool{}
	var unexplained []string
	agreed := 0
	for i, c := range cases {
		ours, reference := runOurs(t, c, nil), theirs[i]
		if agree(ours, reference) {
			agreed++
			continue
		}
		why, listed := knownDisagreements[c.Name]
		if !listed {
			unexplained = append(unexplained, fmt.Sprintf("%s\n    ours:      %.600s\n    reference: %.600s", c.Name, ours, reference))
			continue
		}
		seen[c.Name] = true
		t.Logf("known disagreement %s\n    ours:      %s\n    reference: %s\n    why ours:  %s", c.Name, ours, reference, why)
	}
	t.Logf("%d of %d JSONPath corpus cases agree with aws-local-stepfunctions", agreed, len(cases))
	for name := range knownDisagreements {
		if !seen[name] {
			unexplained = append(unexplained, name+": listed as a known disagreement, but the two now agree (or the case is gone); take it off the list")
		}
	}
	sort.Strings(unexplained)
	if len(unexplained) > 0 {
		t.Errorf("%d disagreement(s) with aws-local-stepfunctions that no AWS documentation settles; fix the engine, or list the case in knownDisagreements with the documentation's words:\n%s", len(unexplained), strings.Join(unexplained, "\n"))
	}
}

// agree: both refused the definition, both succeeded with equal outputs,
// or both failed with the same error name; causes are compared only for
// errors the case named itself (not States.*), since each engine words
// its own errors.
func agree(ours, reference outcome) bool {
	switch {
	case ours.Invalid != "" || reference.Invalid != "":
		return ours.Invalid != "" && reference.Invalid != ""
	case ours.Error != "" || reference.Error != "":
		if ours.Error != reference.Error {
			return false
		}
		return strings.HasPrefix(ours.Error, "States.") || ours.Cause == reference.Cause
	}
	return equalJSON(ours.Output, reference.Output)
}
