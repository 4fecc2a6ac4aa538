package jsonata

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/asl/stateserror"
	"stepfunctions-go/internal/asl/value"
)

// Every failure of an expression is States.QueryEvaluationError with
// JSONata's code and message as the cause.
func TestExpressionFailuresAreQueryEvaluationErrors(t *testing.T) {
	w := newTestWorker(t, Options{})
	tests := []struct {
		expr, cause string
	}{
		{"$states.input.a +", "S0207: Unexpected end of expression"},
		{"(1", `S0203: Expected ")" before end of expression`},
		{"$states.input.a + 'x'", `T2002: The right side of the "+" operator must evaluate to a number`},
		{"$number('abc')", `D3030: Unable to cast value to a number: "abc"`},
		{"$error('boom')", "D3137: boom"},
		{"$sqrt(-1)", "D3060: The sqrt function cannot be applied to a negative number: -1"},
		{"$states.input.nested.deep()", "T1006: Attempted to invoke a non-function"},
		{"function($x) { $x }", "The expression returned a function, which is not a JSON value"},
		{"{'f': $uppercase}", "The expression returned a function, which is not a JSON value"},
		{"[1, function($x) { $x }]", "The expression returned a function, which is not a JSON value"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			_, err := w.Evaluate(t.Context(), tt.expr, states(decodeJSON(t, `{"a": 1, "nested": {"deep": 2}}`)))
			var statesErr *stateserror.Error
			require.True(t, errors.As(err, &statesErr), "%v", err)
			assert.Equal(t, stateserror.QueryEvaluationError, statesErr.Name)
			assert.Equal(t, tt.cause, statesErr.Cause)
		})
	}
}

func TestValidateRejectsOnlySyntaxErrors(t *testing.T) {
	w := newTestWorker(t, Options{})
	tests := []struct {
		expr, cause string // cause "" for a valid expression
	}{
		{"$states.input.a + 1", ""},
		{"$states.input.a + 'x'", ""}, // a type error shows only when it runs
		{"$partition($states.input, 2)", ""},
		{"$states.input.a +", "S0207: Unexpected end of expression"},
		{"{'a': }", "S0211: The symbol \"}\" cannot be used as a unary operator"},
		{"[1, 2", `S0203: Expected "]" before end of expression`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			err := w.Validate(t.Context(), tt.expr)
			if tt.cause == "" {
				assert.NoError(t, err)
				return
			}
			var statesErr *stateserror.Error
			require.True(t, errors.As(err, &statesErr), "%v", err)
			assert.Equal(t, stateserror.QueryEvaluationError, statesErr.Name)
			assert.Equal(t, tt.cause, statesErr.Cause)
		})
	}
}

// Values cross to JSONata and back as JSON does: numbers by value in
// JavaScript's notation, members in any order, null kept, undefined
// distinguishable from null, non-finite numbers as Step Functions writes
// them.
func TestValuesCrossAsJSON(t *testing.T) {
	w := newTestWorker(t, Options{})
	input := decodeJSON(t, `{"int": 42, "neg": -7, "dec": 1.50, "exp": 2.5E3, "tiny": 1e-7, "big": 12345678901234567890,
		"huge": 1e300, "s": "Grüße \"q\" \u2028", "t": true, "n": null, "arr": [1, [2, {"x": []}], {}], "obj": {"b": 1, "a": 2}}`)
	tests := []struct {
		expr, want string
	}{
		{"$states.input.int", "42"},
		{"$states.input.neg", "-7"},
		{"$states.input.dec", "1.5"},
		{"$states.input.exp", "2500"},
		{"$states.input.tiny", "1e-7"},
		{"$states.input.big", "12345678901234567000"}, // a double, as in JSONata on AWS
		{"$states.input.huge * 10", "1e+301"},
		{"$states.input.s", `"Grüße \"q\" \u2028"`},
		{"$states.input.t", "true"},
		{"$states.input.n", "null"},
		{"$states.input.arr", `[1, [2, {"x": []}], {}]`},
		{"$states.input.obj", `{"b": 1, "a": 2}`},
		{"{'b': 1, '10': 2, 'a': 3, '2': 4}", `{"2": 4, "10": 2, "b": 1, "a": 3}`}, // JavaScript lists integer-like names first
		{"{'kept': null, 'gone': $states.input.absent}", `{"kept": null}`},
		{"[1, $states.input.absent, 2]", "[1, 2]"},
		{"1 / 0", `"Infinity"`},
		{"-1 / 0", `"-Infinity"`},
		{"$parseInteger('abc', '0')", `"NaN"`},
		{"0.1 + 0.2", "0.30000000000000004"},
		{"123456789 * 1000000000000", "123456789000000000000"},
		{"123456789 * 10000000000000", "1.23456789e+21"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			got, err := w.Evaluate(t.Context(), tt.expr, states(input))
			require.NoError(t, err)
			assert.Equal(t, decodeJSON(t, tt.want), got)
		})
	}
	t.Run("a lone surrogate crosses both ways as the JavaScript string holds it", func(t *testing.T) {
		lone := map[string]any{"lone": "a\xed\xa0\x80b"} // "a\ud800b" as value.Decode keeps it
		for _, tt := range []struct {
			expr string
			want any
		}{
			{"$lone", "a\xed\xa0\x80b"},
			{`$lone = "a\ud800b"`, true},
			{`$length($lone)`, json.Number("3")},
			{`"\udc00"`, "\xed\xb0\x80"},
			{"'\xed\xa0\x80' = \"\\ud800\"", true},
			{`"\ud83d" & "\ude00"`, "😀"},
		} {
			got, err := w.Evaluate(t.Context(), tt.expr, lone)
			require.NoError(t, err, tt.expr)
			assert.Equal(t, tt.want, got, tt.expr)
		}
	})
	t.Run("undefined is not null", func(t *testing.T) {
		got, err := w.Evaluate(t.Context(), "$states.input.absent", states(input))
		require.NoError(t, err)
		assert.Equal(t, Undefined, got)
		assert.NotNil(t, got)
	})
	t.Run("a variable named __proto__ binds no others", func(t *testing.T) {
		got, err := w.Evaluate(t.Context(), "$exists($polluted)", map[string]any{"__proto__": value.NewObject(1).With("polluted", true)})
		require.NoError(t, err)
		assert.Equal(t, false, got)
	})
	t.Run("an undefined binding is unbound", func(t *testing.T) {
		got, err := w.Evaluate(t.Context(), "$exists($v)", map[string]any{"v": Undefined})
		require.NoError(t, err)
		assert.Equal(t, false, got)
	})
}

func TestBindingsThatAreNotJSONAreRefused(t *testing.T) {
	w := newTestWorker(t, Options{})
	tests := []struct {
		name  string
		value any
		cause string
	}{
		{"beyond a double", decodeJSON(t, `{"n": 1e400}`), "the variable $v: the number 1e400 is beyond JSONata's numbers"},
		{"not a number", json.Number("0x10"), `the variable $v: "0x10" is not a JSON number`},
		{"a Go type JSON does not have", value.NewObject(1).With("when", time.Time{}), "the variable $v: a time.Time is not a JSON value"},
		{"a Go map (objects are *value.Object)", map[string]any{"a": 1}, "the variable $v: a map[string]interface {} is not a JSON value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := w.Evaluate(t.Context(), "$v", map[string]any{"v": tt.value})
			var statesErr *stateserror.Error
			require.True(t, errors.As(err, &statesErr), "%v", err)
			assert.Contains(t, statesErr.Cause, tt.cause)
		})
	}
}

// $now() and $millis() answer the engine's clock, and each evaluation its
// own time even when evaluations of one expression overlap (jsonata alone
// would share one time per compiled expression).
func TestNowFollowsTheInjectedClock(t *testing.T) {
	w := newTestWorker(t, Options{})
	base := time.Date(2024, 11, 22, 10, 30, 0, 123e6, time.UTC)
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			now := base.Add(time.Duration(i) * time.Hour)
			ctx := WithNow(t.Context(), now)
			got, err := w.Evaluate(ctx, "[$now(), $millis(), $now('[H01]:[m01]', '+0100')]", nil)
			if assert.NoError(t, err) {
				want := []any{now.Format("2006-01-02T15:04:05.000Z"), jsonNumber(now.UnixMilli()), now.Add(time.Hour).Format("15:04")}
				assert.Equal(t, fmt.Sprint(want), fmt.Sprint(got))
			}
		})
	}
	wg.Wait()
	t.Run("a variable named now shadows the function", func(t *testing.T) {
		got, err := w.Evaluate(t.Context(), "$now", map[string]any{"now": "mine"})
		require.NoError(t, err)
		assert.Equal(t, "mine", got)
	})
}

func jsonNumber(n int64) any { return json.Number(strconv.FormatInt(n, 10)) }

// Many evaluations in flight at once each get their own answer.
func TestConcurrentEvaluationsGetTheirOwnAnswers(t *testing.T) {
	w := newTestWorker(t, Options{})
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			expr := fmt.Sprintf("$sum($states.input.items) + %d", i%7) // 7 expressions, cached
			items := []any{}
			for j := range i {
				items = append(items, jsonNumber(int64(j)))
			}
			got, err := w.Evaluate(t.Context(), expr, states(value.NewObject(1).With("items", items)))
			if assert.NoError(t, err) {
				assert.Equal(t, jsonNumber(int64(i*(i-1)/2+i%7)), got, "evaluation %d", i)
			}
		})
	}
	wg.Wait()
}

// An expression is compiled once per worker, and a compiled expression
// keeps nothing of one evaluation for the next.
func TestCompiledExpressionsAreCachedAndStateless(t *testing.T) {
	w := newTestWorker(t, Options{})
	validate := func(expr string) bool {
		r, err := w.call(t.Context(), time.Minute, func(line []byte) []byte { return append(line, `,"validate":true`...) }, expr)
		require.NoError(t, err)
		return r.Cached
	}
	assert.False(t, validate("$v + 1"), "first use compiles")
	assert.True(t, validate("$v + 1"), "second use is cached")
	assert.False(t, validate("$v + 2"), "another expression compiles")

	got, err := w.Evaluate(t.Context(), "$v + 1", map[string]any{"v": jsonNumber(1)})
	require.NoError(t, err)
	assert.Equal(t, jsonNumber(2), got)
	got, err = w.Evaluate(t.Context(), "$v + 1", nil)
	require.NoError(t, err)
	assert.Equal(t, Undefined, got, "the last evaluation's binding is gone")
	got, err = w.Evaluate(t.Context(), "($v := 5; $v)", nil)
	require.NoError(t, err)
	assert.Equal(t, jsonNumber(5), got)
	got, err = w.Evaluate(t.Context(), "$v + 1", nil)
	require.NoError(t, err)
	assert.Equal(t, Undefined, got, "an assignment inside an evaluation stays there")
}

// Only the variables an expression names are sent to the worker, so a
// large variable costs only the expressions that read it.
func TestOnlyTheVariablesAnExpressionNamesAreSent(t *testing.T) {
	w := newTestWorker(t, Options{})
	notJSON := time.Time{} // would be refused if it were sent
	tests := []struct {
		expr  string
		names []string
	}{
		{"$a + 1", []string{"a"}},
		{"$states.input.x", []string{"states"}},
		{"$map($list, function($v) { $v * $factor })", []string{"map", "list", "v", "factor"}},
		{"$list@$l#$i.{'i': $i, 'l': $l, 's': $states.context.k}", []string{"list", "i", "l", "states"}},
		{"($local := 2; $local * $a)", []string{"local", "a"}},
		{"$sum([1, 2])", []string{"sum"}},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			names, err := w.variablesOf(t.Context(), tt.expr)
			require.NoError(t, err)
			assert.ElementsMatch(t, tt.names, names)
			_, err = w.Evaluate(t.Context(), tt.expr, map[string]any{"unread": notJSON, "a": jsonNumber(1), "list": []any{jsonNumber(2)}, "factor": jsonNumber(3),
				"states": states(value.NewObject(1).With("x", "y"))["states"]})
			assert.NoError(t, err)
		})
	}
}

// endless is a recursion without a base case: a tail call, so jsonata
// loops instead of overflowing its stack.
const endless = "($f := function($n) { $f($n + 1) }; $f(0))"

func TestAnEndlessExpressionEndsAtTheTimeout(t *testing.T) {
	w := newTestWorker(t, Options{Timeout: 100 * time.Millisecond})
	_, err := w.Evaluate(t.Context(), endless, nil)
	var statesErr *stateserror.Error
	require.True(t, errors.As(err, &statesErr), "%v", err)
	assert.Equal(t, "U1001: Expression evaluation timeout: Check for infinite loop", statesErr.Cause)
	got, err := w.Evaluate(t.Context(), "1 + 1", nil)
	require.NoError(t, err, "the worker goes on")
	assert.Equal(t, jsonNumber(2), got)
}

// A regular expression that backtracks for ever never reaches jsonata's
// time check; the worker is stopped instead, and the next evaluation runs
// in a new one.
func TestAStuckWorkerIsStopped(t *testing.T) {
	w := newTestWorker(t, Options{Timeout: 100 * time.Millisecond})
	w.stuckGrace = 0
	_, err := w.Evaluate(t.Context(), "$contains('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!', /^(a+)+$/)", nil)
	require.Error(t, err)
	assert.NotErrorAs(t, err, new(*stateserror.Error), "a stuck worker is not the expression's failure")
	assert.Contains(t, err.Error(), "was stopped: it said nothing for 100ms while an evaluation waited, past the evaluation's time limit, so it was taken for stuck")
	w.stuckGrace = stuckGrace // a new worker takes its time to start on a busy machine
	got, err := w.Evaluate(t.Context(), "1 + 1", nil)
	require.NoError(t, err)
	assert.Equal(t, jsonNumber(2), got)
}

// Node's start, slow on a busy machine, counts against no evaluation: the
// first one sent to a worker that takes 3 s to start, three times the
// evaluation's limit, is not taken for stuck.
func TestAWorkerStartingIsNotStuck(t *testing.T) {
	slowStart := filepath.Join(t.TempDir(), "slow-start.cjs")
	require.NoError(t, os.WriteFile(slowStart, []byte("const until = Date.now() + 3000; while (Date.now() < until) {}\n"), 0o644))
	t.Setenv("NODE_OPTIONS", "--require "+slowStart)
	w := newTestWorker(t, Options{Timeout: time.Second})
	w.stuckGrace = 0
	got, err := w.Evaluate(t.Context(), "1 + 1", nil)
	require.NoError(t, err)
	assert.Equal(t, jsonNumber(2), got)
}

func TestCancelledEvaluationReturnsTheContextsError(t *testing.T) {
	w := newTestWorker(t, Options{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := w.Evaluate(ctx, endless, nil)
	assert.ErrorIs(t, err, context.Canceled)
}

// When the Node process dies, the evaluations in flight fail saying so and
// the next evaluation runs in a new process.
func TestAWorkerThatDiesIsRestarted(t *testing.T) {
	w := newTestWorker(t, Options{Timeout: time.Hour})
	first, err := w.running()
	require.NoError(t, err)

	inFlight := make(chan error, 1)
	go func() {
		_, err := w.Evaluate(t.Context(), endless, nil)
		inFlight <- err
	}()
	require.Eventually(t, func() bool {
		first.mu.Lock()
		defer first.mu.Unlock()
		return len(first.waiting) == 1
	}, time.Minute, time.Millisecond, "the evaluation reaches the worker")
	require.NoError(t, first.cmd.Process.Kill()) // the process this test's worker started

	err = <-inFlight
	require.Error(t, err)
	assert.NotErrorAs(t, err, new(*stateserror.Error), "a dead worker is not the expression's failure")
	assert.Contains(t, err.Error(), fmt.Sprintf("the JSONata worker (Node, pid %d) exited: signal: killed", first.cmd.Process.Pid))

	got, err := w.Evaluate(t.Context(), "1 + 1", nil)
	require.NoError(t, err)
	assert.Equal(t, jsonNumber(2), got)
	second, err := w.running()
	require.NoError(t, err)
	assert.NotEqual(t, first.cmd.Process.Pid, second.cmd.Process.Pid)
}

func TestAClosedWorkerRefusesEvaluations(t *testing.T) {
	w := newTestWorker(t, Options{})
	p, err := w.running()
	require.NoError(t, err)
	require.NoError(t, w.Close())
	assert.False(t, p.alive(), "Close waits for the process to exit")
	_, err = w.Evaluate(t.Context(), "1", nil)
	assert.ErrorContains(t, err, "the JSONata worker is closed")
}

func TestWithoutNpmTheErrorSaysWhatToInstall(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // no install yet
	t.Setenv("PATH", t.TempDir())           // and no npm
	_, err := New(t.Context(), Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "npm is not installed: it installs the reference JSONata 2.0.6 (npm package jsonata) and Node 22")
}

func TestABrokenInstallSaysHowToRepairIt(t *testing.T) {
	dir := t.TempDir()
	w := &Worker{install: &installation{dir: dir, node: nodeBinary(dir), script: "worker.cjs"}, options: Options{Timeout: time.Second}, stuckGrace: stuckGrace}
	_, err := w.Evaluate(t.Context(), "1", nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "starting the JSONata worker ("+nodeBinary(dir)+")")
	assert.Contains(t, err.Error(), "remove "+dir+" to reinstall Node 22")
}
