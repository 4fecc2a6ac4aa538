# Everyday targets. The README's test command is `go test ./...`; `make test`
# runs the same.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
ARCH ?= arm64
INPUT ?= {"payload":"hi mom"}

.PHONY: build package local test lint fmt bench bench-functions bench-endpoint bench-engine stress ci

build: ## compile everything, including the Lambda bootstraps
	go build ./...

package: ## write the zips `pulumi up` uploads into dist/
	go run ./cmd/package -arch $(ARCH) -out dist

local: ## run the workflow end to end on this machine
	go run ./cmd/local -input '$(INPUT)'

test: ## unit, mock and local end-to-end tests
	go test ./...

lint: ## gofmt, go vet and staticcheck must all be clean
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	go vet ./...
	go run $(STATICCHECK) ./...

# Every benchmark run happens even when one fails (-k), one after the
# other (-j1: in parallel they would measure each other); make bench fails at
# the end if any did. -v prints why a row was skipped; a slow, loaded
# machine gets 30 minutes instead of go test's 10.
bench: ## local benchmarks: zip sizes, cold start, warm latency, the endpoint's throughput, the engine's own cost
	@$(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) -k -j1 bench-functions bench-endpoint bench-engine

bench-functions: ## per function and workflow: zip size, cold start, warm latency (part of bench)
	go test -v -timeout 30m -run '^$$' -bench '^Benchmark(Function|Workflow)$$' -benchtime 20x ./internal/localrun/...

bench-endpoint: ## the endpoint's throughput (part of bench)
	go test -v -timeout 30m -run '^$$' -bench '^BenchmarkEndpoint$$' -benchtime 400x ./internal/localrun/...

bench-engine: ## the ASL engine alone: two lambda Tasks answered at once, a 1,000-item JSONata Map (part of bench)
	go test -v -timeout 30m -run '^$$' -bench '^Benchmark(TwoLambdaTasks|InlineMap1000)$$' -benchmem ./internal/asl/

stress: ## go test ./... three times under two busy loops; every run must pass
	scripts/stress

ci: lint test
