package localrun

import (
	"encoding/json"
	"fmt"
	"io"
	"testing"
	"time"

	"stepfunctions-go/lambdas/bundle"

	"stepfunctions-go/internal/seed"
)

// benchArches are the architectures this machine can run; the others are
// left out of the table with a note.
func benchArches(b *testing.B) []bundle.Arch {
	var arches []bundle.Arch
	for _, arch := range bundle.Arches {
		if _, err := qemuFor(arch); err != nil {
			b.Logf("no %s rows: %v", arch, err)
			continue
		}
		arches = append(arches, arch)
	}
	return arches
}

// BenchmarkFunction is the per-function table: zip size, emulator start to
// first answer (cold, a fresh emulator each time) and warm invoke latency.
func BenchmarkFunction(b *testing.B) {
	for _, arch := range benchArches(b) {
		tools, err := provisionTools(b.Context(), arch, io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		for _, pkg := range packagesFor(b, arch) {
			bootstrap, err := unpack(pkg, b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			event := []byte(seed.Input)
			b.Run(fmt.Sprintf("fn=%s/arch=%s/cold", pkg.Function.Name, arch), func(b *testing.B) {
				var total time.Duration
				for b.Loop() {
					started := time.Now()
					e, err := startEmulator(b.Context(), tools, pkg.Function, bootstrap, nil)
					if err != nil {
						b.Fatal(err)
					}
					_, err = e.invoke(b.Context(), event)
					total += time.Since(started)
					e.stop()
					if err != nil {
						b.Fatal(err)
					}
				}
				// After the loop: b.Loop's first call drops metrics reported before it.
				b.ReportMetric(float64(len(pkg.Zip)), "zip-bytes")
				b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms-to-first-answer")
			})
			b.Run(fmt.Sprintf("fn=%s/arch=%s/warm", pkg.Function.Name, arch), func(b *testing.B) {
				e, err := startEmulator(b.Context(), tools, pkg.Function, bootstrap, nil)
				if err != nil {
					b.Fatal(err)
				}
				defer e.stop()
				if _, err := e.invoke(b.Context(), event); err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					if _, err := e.invoke(b.Context(), event); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkWorkflow is the whole seed execution, warm: emulators and
// interpreter running, one execution per iteration. For callback, that
// includes the queue's delivery and the worker's calls to the endpoint.
func BenchmarkWorkflow(b *testing.B) {
	for _, workflow := range []string{"main", "callback"} {
		for _, arch := range benchArches(b) {
			b.Run("workflow="+workflow+"/arch="+string(arch), func(b *testing.B) {
				session, err := Start(b.Context(), Config{Workflow: workflow, Arch: arch, Packages: packagesFor(b, arch)})
				if err != nil {
					b.Fatal(err)
				}
				defer session.Close()
				if _, err := session.Execute(b.Context(), json.RawMessage(seed.Input)); err != nil {
					b.Fatal(err)
				}
				transitions := 0
				for b.Loop() {
					execution, err := session.Execute(b.Context(), json.RawMessage(seed.Input))
					if err != nil || execution.Failure != nil {
						b.Fatalf("execution failed: %v %+v", err, execution)
					}
					transitions += execution.Transitions
				}
				b.ReportMetric(float64(transitions)/float64(b.N), "transitions/op")
			})
		}
	}
}
