// Package jsonata evaluates the JSONata expressions of Amazon States
// Language definitions with the reference implementation, the npm package
// jsonata at the version Step Functions documents (2.0.6), in a long-lived
// Node 22 process (Worker). Both are installed from js/package-lock.json
// with internal/npmtools; none of jsonata's source lives in this
// repository.
//
// On top of the language the worker binds the functions Step Functions adds
// ($partition, $range, $hash, $random, $uuid, $parse) and leaves $eval
// unbound as Step Functions does. docs/engine-jsonata.md describes the
// values, errors and functions, and the benchmark that chose a Node worker
// over a pure-Go JavaScript engine.
package jsonata

import (
	"context"
	"time"

	"stepfunctions-go/internal/asl/value"
)

// Evaluator evaluates one JSONata expression: the text inside "{% %}".
// Bindings name variables without their "$" ("states" holds input, result,
// errorOutput and context; every other key is a workflow variable) and hold
// JSON values as asl documents them (package value: json.Number, *value.Object).
//
// The result is a JSON value of the same kinds, or Undefined. Failures are
// *stateserror.Error named States.QueryEvaluationError, except a cancelled
// ctx, which returns ctx's error.
type Evaluator interface {
	Evaluate(ctx context.Context, expr string, bindings map[string]any) (any, error)
}

// Undefined is the result of an expression that evaluates to nothing, such
// as a path that matches no field. JSON has no such value; Step Functions
// fails the state with States.QueryEvaluationError ("The JSONata expression
// '…' specified for the field '…' returned nothing (undefined).") where the
// field needs a value, which only the engine knows, so it is returned as a
// value rather than as an error. It is value.Undefined, which the engine
// checks for.
var Undefined = value.Undefined

type nowKey struct{}

// WithNow makes $now() and $millis() in evaluations under ctx answer now
// instead of the wall clock, as an engine on a virtual clock needs. JSONata
// fixes both per evaluation, so every call within one expression agrees.
func WithNow(ctx context.Context, now time.Time) context.Context {
	return context.WithValue(ctx, nowKey{}, now)
}

func nowFrom(ctx context.Context) time.Time {
	if now, ok := ctx.Value(nowKey{}).(time.Time); ok {
		return now
	}
	return time.Now()
}
