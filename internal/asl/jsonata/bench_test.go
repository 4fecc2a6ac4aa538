package jsonata

import (
	"context"
	"encoding/json"
	"runtime"
	"strconv"
	"testing"

	"stepfunctions-go/internal/asl/value"
)

// The host benchmark (docs/engine-jsonata.md): three workloads through the
// Node worker. The goja host it was chosen over is at commit c9ebd03.
//
//	go test ./internal/asl/jsonata/ -run '^$' -bench . -benchtime 2s

var benchWorkloads = []struct {
	name, expr string
	concurrent bool
}{
	{"simple", "$states.input.a + 1", false},
	{"map1000", "$map($states.input.items, function($v, $i) {{'index': $i, 'value': $v, 'double': $v * 2}})", false},
	{"simple8goroutines", "$states.input.a + 1", true},
}

func benchBindings() map[string]any {
	items := make([]any, 1000)
	for i := range items {
		items[i] = json.Number(strconv.Itoa(i))
	}
	return states(value.NewObject(2).With("a", json.Number("41")).With("items", items))
}

func BenchmarkWorker(b *testing.B) {
	worker, err := New(b.Context(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer worker.Close()
	runWorkloads(b, worker)
}

func runWorkloads(b *testing.B, evaluator Evaluator) {
	bindings := benchBindings()
	for _, w := range benchWorkloads {
		b.Run(w.name, func(b *testing.B) {
			evaluate := func() {
				if _, err := evaluator.Evaluate(context.Background(), w.expr, bindings); err != nil {
					b.Fatal(err)
				}
			}
			evaluate() // compiled and cached before timing
			if !w.concurrent {
				for b.Loop() {
					evaluate()
				}
				return
			}
			b.SetParallelism((8 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					evaluate()
				}
			})
		})
	}
}
