# Everyday targets. The README's test command is `go test ./...`; `make test`
# runs the same.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
ARCH ?= arm64
INPUT ?= {"payload":"hi mom"}

.PHONY: build package local test lint fmt bench stress ci

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

bench: ## local benchmarks: zip sizes, cold start, warm latency, the endpoint's throughput
	go test -run '^$$' -bench '^Benchmark(Function|Workflow)$$' -benchtime 20x ./internal/localrun/...
	go test -run '^$$' -bench '^BenchmarkEndpoint$$' -benchtime 400x ./internal/localrun/...

stress: ## go test ./... three times under two busy loops; every run must pass
	scripts/stress

ci: lint test
