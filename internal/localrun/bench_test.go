package localrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"stepfunctions-go/internal/asl"
	"stepfunctions-go/internal/seed"
	"stepfunctions-go/internal/seedcheck"
	"stepfunctions-go/lambdas"
	"stepfunctions-go/lambdas/bundle"
	"stepfunctions-go/statemachine"
)

// Each benchmark says what it measured, or why it could not: a row this
// machine cannot run is skipped with the reason (printed with go test -v,
// which make bench passes), and a row that fails reports its error while
// the other rows still run.

// forEachArch runs each architecture's rows under run, and skips the
// architectures this machine cannot run in a row named prefix+"arch=…",
// saying why.
func forEachArch(b *testing.B, prefix string, run func(b *testing.B, arch bundle.Arch)) {
	for _, arch := range bundle.Arches {
		if _, err := qemuFor(arch); err != nil {
			b.Run(prefix+"arch="+string(arch), func(b *testing.B) { b.Skipf("no %s rows: %v", arch, err) })
			continue
		}
		run(b, arch)
	}
}

// BenchmarkFunction is the per-function table: zip size, emulator start to
// first answer (cold, a fresh emulator each time) and warm invoke latency,
// each invoke doing a function's real work (benchInvoke).
func BenchmarkFunction(b *testing.B) {
	stepFunctions, err := startStepFunctionsEndpoint("127.0.0.1:0", io.Discard)
	if err != nil {
		b.Fatalf("no rows: the local Step Functions endpoint did not start: %v", err)
	}
	defer stepFunctions.stop()
	awsEnvironment := localAWSEnvironment(stepFunctions.url)
	forEachArch(b, "", func(b *testing.B, arch bundle.Arch) {
		tools, err := provisionTools(b.Context(), arch, io.Discard)
		if err == nil {
			var packages []bundle.Package
			if packages, err = buildPackages(arch); err == nil {
				benchFunctions(b, arch, tools, packages, awsEnvironment, stepFunctions)
				return
			}
		}
		b.Run("arch="+string(arch), func(b *testing.B) { b.Fatalf("no %s rows: %v", arch, err) })
	})
}

func benchFunctions(b *testing.B, arch bundle.Arch, tools *tools, packages []bundle.Package, awsEnvironment []string, stepFunctions *stepFunctionsEndpoint) {
	for _, pkg := range packages {
		bootstrap, err := unpack(pkg, b.TempDir())
		invoke := benchInvoke(pkg.Function, stepFunctions)
		b.Run(fmt.Sprintf("fn=%s/arch=%s/cold", pkg.Function.Name, arch), func(b *testing.B) {
			if err != nil {
				b.Fatal(err)
			}
			var total time.Duration
			i := 0
			for b.Loop() {
				i++
				started := time.Now()
				e, err := startEmulator(b.Context(), tools, pkg.Function, bootstrap, awsEnvironment)
				if err != nil {
					b.Fatalf("cold start %d: %v", i, err)
				}
				err = invoke(b.Context(), e)
				total += time.Since(started)
				e.stop()
				if err != nil {
					b.Fatalf("cold start %d: %v", i, err)
				}
			}
			// After the loop: b.Loop's first call drops metrics reported before it.
			b.ReportMetric(float64(len(pkg.Zip)), "zip-bytes")
			b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms-to-first-answer")
		})
		b.Run(fmt.Sprintf("fn=%s/arch=%s/warm", pkg.Function.Name, arch), func(b *testing.B) {
			if err != nil {
				b.Fatal(err)
			}
			e, err := startEmulator(b.Context(), tools, pkg.Function, bootstrap, awsEnvironment)
			if err != nil {
				b.Fatal(err)
			}
			defer e.stop()
			if err := invoke(b.Context(), e); err != nil {
				b.Fatalf("the cold start before the warm invokes: %v", err)
			}
			for b.Loop() {
				if err := invoke(b.Context(), e); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchInvoke is one invoke of fn doing its real work, checked. A workflow's
// function gets the seed's input. A queue's consumer gets it as one SQS
// message with a task token the local Step Functions endpoint waits on, so
// the invoke includes the consumer's reports through the AWS SDK (for the
// worker, SendTaskHeartbeat and SendTaskSuccess), and it must report the task.
func benchInvoke(fn lambdas.Function, stepFunctions *stepFunctionsEndpoint) func(context.Context, *emulator) error {
	for _, queue := range lambdas.Queues() {
		if queue.Consumer != fn.Name {
			continue
		}
		sqs := &localQueue{Queue: queue}
		return func(ctx context.Context, e *emulator) error {
			token := uuid()
			waitCtx, stopWaiting := context.WithCancel(ctx)
			defer stopWaiting()
			waiting, err := startWaiting(waitCtx, stepFunctions, token, 300) // a heartbeat no invoke comes near, under the wait's TimeoutSeconds
			if err != nil {
				return err
			}
			var body map[string]any
			if err := json.Unmarshal([]byte(seed.Input), &body); err != nil {
				return err
			}
			body["taskToken"] = token
			text, err := json.Marshal(body)
			if err != nil {
				return err
			}
			message := sqs.newMessage(string(text))
			answer, err := e.invoke(ctx, deliveryEvent(message, 1))
			if failure := deliveryFailure(answer, err, message.MessageId); failure != "" {
				return fmt.Errorf("%s: %s", fn.Name, failure)
			}
			stepFunctions.mu.Lock()
			reported := stepFunctions.closed[token]
			stepFunctions.mu.Unlock()
			if !reported {
				return fmt.Errorf("%s processed the message without reporting its task", fn.Name)
			}
			if result := waiting.wait(); result.Status != asl.Succeeded {
				return fmt.Errorf("%s reported a failure: %v", fn.Name, result.Error)
			}
			return nil
		}
	}
	return func(ctx context.Context, e *emulator) error {
		answer, err := e.invoke(ctx, []byte(seed.Input))
		if err == nil {
			if taskErr := functionError(answer); taskErr != nil {
				err = fmt.Errorf("%s answered with an error: %w", fn.Name, taskErr)
			}
		}
		return err
	}
}

// BenchmarkWorkflow is the whole seed execution, warm: emulators running
// and definition loaded, one execution per iteration. For callback, that
// includes the queue's delivery and the worker's calls to the endpoint.
func BenchmarkWorkflow(b *testing.B) {
	for _, workflow := range statemachine.Names() {
		forEachArch(b, "workflow="+workflow+"/", func(b *testing.B, arch bundle.Arch) {
			b.Run("workflow="+workflow+"/arch="+string(arch), func(b *testing.B) {
				packages, err := buildPackages(arch)
				if err != nil {
					b.Fatal(err)
				}
				session, err := Start(b.Context(), Config{Workflow: workflow, Arch: arch, Packages: packages})
				if err != nil {
					b.Fatal(err)
				}
				defer session.Close()
				if _, err := session.Execute(b.Context(), json.RawMessage(seed.Input)); err != nil {
					b.Fatalf("the execution that starts the emulators: %v", err)
				}
				transitions := 0
				for b.Loop() {
					execution, err := session.Execute(b.Context(), json.RawMessage(seed.Input))
					if err != nil {
						b.Fatal(err)
					}
					if execution.Failure != nil {
						b.Fatalf("the execution ended with %s: %s", execution.Failure.Error, execution.Failure.Cause)
					}
					transitions += execution.Transitions
				}
				b.ReportMetric(float64(transitions)/float64(b.N), "transitions/op")
			})
		})
	}
}

// BenchmarkEndpoint is the main workflow through the local endpoint and the
// AWS SDK, by 1 and by 8 clients at once (each function allowed 8
// emulators): STANDARD, as an application runs it (StartExecution, then
// DescribeExecution every millisecond until it ends: seedcheck.Run), and
// EXPRESS with StartSyncExecution, one request per execution. Set against
// BenchmarkWorkflow's main row, it is the API layer's cost. Native
// architecture only.
func BenchmarkEndpoint(b *testing.B) {
	const emulatorsPerFunction = 8
	for _, mainType := range []string{"STANDARD", "EXPRESS"} {
		b.Run("type="+mainType, func(b *testing.B) {
			packages, err := buildPackages(bundle.HostArch())
			if err != nil {
				b.Fatal(err)
			}
			server, err := StartServer(b.Context(), ServeConfig{Address: "127.0.0.1:0", MainType: mainType, Sessions: Config{
				Arch: bundle.HostArch(), Packages: packages, Concurrency: emulatorsPerFunction,
			}})
			if err != nil {
				b.Fatal(err)
			}
			defer server.Close()
			client := sfn.New(sfn.Options{BaseEndpoint: aws.String(server.URL()), Region: localRegion, Credentials: aws.AnonymousCredentials{}}, withoutHostPrefix)
			_, example := workflowOf(b, "main")
			input, output := compactExample(b, "main")
			execute := func(ctx context.Context) error {
				if mainType == "STANDARD" {
					_, err := seedcheck.Run(ctx, client, server.StateMachineARNs[0], example, time.Millisecond)
					return err
				}
				ended, err := client.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: aws.String(server.StateMachineARNs[0]), Input: aws.String(input)})
				if err == nil && aws.ToString(ended.Output) != output {
					err = fmt.Errorf("%s: %s %s", ended.Status, aws.ToString(ended.Error), aws.ToString(ended.Cause))
				}
				return err
			}
			for _, clients := range []int{1, emulatorsPerFunction} {
				b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
					// Warm: the emulators the clients need are running.
					if err := runConcurrently(b.Context(), clients, clients, execute); err != nil {
						b.Fatalf("the executions that start the emulators: %v", err)
					}
					b.ResetTimer()
					started := time.Now()
					if err := runConcurrently(b.Context(), clients, b.N, execute); err != nil {
						b.Fatal(err)
					}
					b.ReportMetric(float64(b.N)/time.Since(started).Seconds(), "executions/s")
				})
			}
		})
	}
}

// runConcurrently calls execute n times in all, from clients goroutines.
func runConcurrently(ctx context.Context, clients, n int, execute func(context.Context) error) error {
	var next atomic.Int64
	errs := make([]error, clients)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			for next.Add(1) <= int64(n) && errs[i] == nil {
				errs[i] = execute(ctx)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
