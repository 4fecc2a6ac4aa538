package localrun

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"time"

	"stepfunctions-go/internal/asl"
	"stepfunctions-go/internal/asl/jsonata"
	"stepfunctions-go/internal/progress"
)

// overrides shorten what tests would otherwise wait for; each zero keeps
// the definition's value.
type overrides struct {
	// RetryInterval replaces the wait before every retry of every Retry
	// rule: no backoff, no cap, no jitter.
	RetryInterval time.Duration
	// RetryMaxAttempts replaces the MaxAttempts of every Retry rule.
	RetryMaxAttempts int
	// TaskTimeout replaces every Task's TimeoutSeconds (whole seconds, at
	// least one).
	TaskTimeout time.Duration
	// TaskHeartbeat replaces the HeartbeatSeconds of every Task that has
	// one (whole seconds, at least one).
	TaskHeartbeat time.Duration
}

func (c Config) overrides() overrides {
	return overrides{RetryInterval: c.RetryInterval, RetryMaxAttempts: c.RetryMaxAttempts, TaskTimeout: c.TaskTimeout, TaskHeartbeat: c.TaskHeartbeat}
}

// loadDefinition loads the rendered definition into the Go ASL engine
// (internal/asl), which validates it and refuses a Task Resource that
// integrations do not serve. Only a definition that uses JSONata starts
// the JSONata worker, a Node process running the reference jsonata; the
// caller closes it.
func loadDefinition(ctx context.Context, definition string, integrations localIntegrations, o overrides, out io.Writer) (*asl.Machine, *jsonata.Worker, error) {
	opts := asl.Options{Integrations: integrations}
	var worker *jsonata.Worker
	if usesJSONata(definition) {
		var err error
		if worker, err = startJSONata(ctx, out); err != nil {
			return nil, nil, err
		}
		opts.JSONata = worker
	}
	machine, err := asl.Load([]byte(definition), opts)
	if err != nil {
		if worker != nil {
			worker.Close()
		}
		var loadErr *asl.LoadError
		if errors.As(err, &loadErr) {
			return nil, nil, setupErrorf("the rendered definition does not load: %v\n(the local runner serves the Task Resources %s)", err, integrations.served())
		}
		return nil, nil, err
	}
	o.apply(&machine.Graph)
	return machine, worker, nil
}

// startJSONata starts a JSONata worker, saying so on out.
func startJSONata(ctx context.Context, out io.Writer) (*jsonata.Worker, error) {
	step := progress.Start(out, "local", "starting the JSONata worker (the reference jsonata on Node 22)")
	worker, err := jsonata.New(ctx, jsonata.Options{Progress: out})
	step.End(err)
	if err != nil {
		return nil, &SetupError{msg: err.Error()}
	}
	return worker, nil
}

// usesJSONata tells whether any QueryLanguage in definition, at the top or
// on a state at any depth, is JSONata.
func usesJSONata(definition string) bool {
	var root any
	if json.Unmarshal([]byte(definition), &root) != nil {
		return false // Load reports it
	}
	var walk func(v any) bool
	walk = func(v any) bool {
		switch v := v.(type) {
		case map[string]any:
			if v["QueryLanguage"] == asl.JSONata {
				return true
			}
			for _, child := range v {
				if walk(child) {
					return true
				}
			}
		case []any:
			for _, child := range v {
				if walk(child) {
					return true
				}
			}
		}
		return false
	}
	return walk(root)
}

// apply rewrites the loaded states of graph, in Parallel branches and Map
// item processors too.
func (o overrides) apply(graph *asl.Graph) {
	for st := range graph.AllStates() {
		for i := range st.Retry {
			r := &st.Retry[i]
			if o.RetryInterval > 0 {
				r.IntervalSeconds, r.BackoffRate, r.MaxDelaySeconds, r.JitterFull = o.RetryInterval.Seconds(), 1, 0, false
			}
			if o.RetryMaxAttempts > 0 {
				r.MaxAttempts = o.RetryMaxAttempts
			}
		}
		if st.Type == "Task" {
			if o.TaskTimeout > 0 {
				st.TimeoutSeconds, st.TimeoutSecondsPath = wholeSeconds(o.TaskTimeout), ""
			}
			if o.TaskHeartbeat > 0 && (st.HeartbeatSeconds != nil || st.HeartbeatSecondsPath != "") {
				st.HeartbeatSeconds, st.HeartbeatSecondsPath = wholeSeconds(o.TaskHeartbeat), ""
			}
		}
	}
}

// wholeSeconds is d as a literal TimeoutSeconds or HeartbeatSeconds.
func wholeSeconds(d time.Duration) int64 { return max(1, int64(d/time.Second)) }
