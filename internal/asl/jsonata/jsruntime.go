package jsonata

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dop251/goja"

	"stepfunctions-go/internal/asl/stateserror"
)

// maxCompiled bounds one runtime's cache of compiled expressions. A
// definition holds a fixed set of expressions; the bound only matters to a
// long-lived server that loads many definitions, which then recompiles.
const maxCompiled = 4096

// maxCallStack bounds the JavaScript stack, so deep recursion in an
// expression is an error instead of exhausting the Go stack.
const maxCallStack = 20000

// jsRuntime is one goja runtime with jsonata loaded. It runs one
// evaluation at a time (the Pool hands it to one caller).
type jsRuntime struct {
	pool     *Pool
	vm       *goja.Runtime
	jsonata  goja.Callable
	compiled map[string]*compiledExpr
	now      time.Time // the time source's answer during one evaluation
}

type compiledExpr struct {
	expression *goja.Object  // what jsonata(expr) returns
	evaluate   goja.Callable // expression.evaluate
}

func newJSRuntime(pool *Pool) (*jsRuntime, error) {
	vm := goja.New()
	vm.SetMaxCallStackSize(maxCallStack)
	module := vm.NewObject()
	exports := vm.NewObject()
	if err := errors.Join(module.Set("exports", exports), vm.Set("module", module), vm.Set("exports", exports)); err != nil {
		return nil, fmt.Errorf("preparing the JavaScript runtime for jsonata: %v", err)
	}
	if _, err := vm.RunProgram(pool.program); err != nil {
		return nil, fmt.Errorf("loading jsonata into the JavaScript runtime: %v", err)
	}
	jsonata, ok := goja.AssertFunction(module.Get("exports"))
	if !ok {
		return nil, fmt.Errorf("the installed jsonata bundle does not export a function; is it jsonata %s?", referenceVersion)
	}
	r := &jsRuntime{pool: pool, vm: vm, jsonata: jsonata, compiled: map[string]*compiledExpr{}}
	vm.SetTimeSource(func() time.Time {
		if r.now.IsZero() {
			return time.Now()
		}
		return r.now
	})
	return r, nil
}

// compile returns expr compiled, from the cache when it can.
func (r *jsRuntime) compile(expr string) (*compiledExpr, error) {
	if c, ok := r.compiled[expr]; ok {
		return c, nil
	}
	value, err := r.jsonata(goja.Undefined(), r.vm.ToValue(expr))
	if err != nil {
		return nil, r.queryError(err)
	}
	expression := value.ToObject(r.vm)
	evaluate, ok := goja.AssertFunction(expression.Get("evaluate"))
	if !ok {
		return nil, fmt.Errorf("jsonata(%q) returned no evaluate function; is the bundle jsonata %s?", expr, referenceVersion)
	}
	if err := r.bindStepFunctions(expression); err != nil {
		return nil, err
	}
	if len(r.compiled) >= maxCompiled {
		clear(r.compiled)
	}
	c := &compiledExpr{expression: expression, evaluate: evaluate}
	r.compiled[expr] = c
	return c, nil
}

func (r *jsRuntime) evaluate(ctx context.Context, expr string, bindings map[string]any) (any, error) {
	c, err := r.compile(expr)
	if err != nil {
		return nil, err
	}
	jsBindings := r.vm.NewObject()
	for name, value := range bindings {
		converted, err := toJS(r.vm, value)
		if err != nil {
			return nil, stateserror.New(stateserror.QueryEvaluationError, "the variable $%s: %v", name, err)
		}
		if err := jsBindings.Set(name, converted); err != nil {
			return nil, stateserror.New(stateserror.QueryEvaluationError, "binding $%s: %v", name, err)
		}
	}
	r.now = nowFrom(ctx)
	defer func() { r.now = time.Time{} }()
	stop := context.AfterFunc(ctx, func() { r.vm.Interrupt(ctx.Err()) })
	defer func() {
		stop()
		r.vm.ClearInterrupt()
	}()
	// The expression runs with no input document: Step Functions gives it
	// none ($states.input is the state's input).
	result, err := c.evaluate(c.expression, goja.Undefined(), jsBindings)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, r.queryError(err)
	}
	// evaluate is async; goja runs the promise's jobs before the call
	// returns, so the promise is settled here.
	promise, ok := result.Export().(*goja.Promise)
	if !ok {
		return nil, fmt.Errorf("jsonata's evaluate returned %s, not a promise; is the bundle jsonata %s?", result, referenceVersion)
	}
	switch promise.State() {
	case goja.PromiseStateFulfilled:
		value, err := fromJS(promise.Result())
		if err != nil {
			return nil, stateserror.New(stateserror.QueryEvaluationError, "%v", err)
		}
		return value, nil
	case goja.PromiseStateRejected:
		return nil, r.thrownError(promise.Result())
	default:
		return nil, fmt.Errorf("jsonata's evaluation of %q did not settle", expr)
	}
}

// queryError turns an exception that goja returned into the States error.
func (r *jsRuntime) queryError(err error) error {
	var exception *goja.Exception
	if errors.As(err, &exception) {
		return r.thrownError(exception.Value())
	}
	var interrupted *goja.InterruptedError
	if errors.As(err, &interrupted) {
		if cause, ok := interrupted.Value().(error); ok {
			return cause
		}
	}
	return stateserror.New(stateserror.QueryEvaluationError, "%v", err)
}

// thrownError turns what JSONata threw into a States.QueryEvaluationError
// whose cause is the JSONata error's code and message, the way Step
// Functions quotes it after "threw an error during evaluation. ", e.g.
// "T0410: Argument 1 of function \"range\" does not match function
// signature". A JavaScript error that is not JSONata's (a RangeError from a
// recursion too deep) keeps its own text.
func (r *jsRuntime) thrownError(thrown goja.Value) error {
	object, ok := thrown.(*goja.Object)
	if !ok {
		return stateserror.New(stateserror.QueryEvaluationError, "%s", thrown)
	}
	message := object.Get("message")
	text := thrown.String()
	if message != nil && !goja.IsUndefined(message) {
		text = message.String()
	}
	if code := object.Get("code"); code != nil && !goja.IsUndefined(code) {
		return stateserror.New(stateserror.QueryEvaluationError, "%s: %s", code, text)
	}
	if name := object.Get("name"); name != nil && !goja.IsUndefined(name) {
		return stateserror.New(stateserror.QueryEvaluationError, "%s: %s", name, text)
	}
	return stateserror.New(stateserror.QueryEvaluationError, "%s", text)
}
