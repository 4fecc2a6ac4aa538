package lambdas

import (
	"go/build"
	"os"
	"os/exec"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAllIsEveryMainPackage: the go command's own reading of the
// directories (go/build) decides what a function is, not a list.
func TestAllIsEveryMainPackage(t *testing.T) {
	entries, err := os.ReadDir(".")
	require.NoError(t, err)
	var want []string
	for _, entry := range entries {
		if pkg, err := build.ImportDir(entry.Name(), 0); entry.IsDir() && err == nil && pkg.Name == "main" {
			want = append(want, entry.Name())
		}
	}
	functions, err := All()
	require.NoError(t, err)
	var got []string
	for _, fn := range functions {
		got = append(got, fn.Name)
		assert.Equal(t, "lambdas/"+fn.Name, fn.Dir)
		assert.NotEmpty(t, fn.Description, fn.Name)
	}
	assert.Equal(t, want, got)
	assert.NotEmpty(t, got)
}

// TestNoFunctionLinksThisPackage: this package embeds every function's
// source, so a function that linked it would change whenever any other
// function did, and `pulumi up` would redeploy it for nothing.
func TestNoFunctionLinksThisPackage(t *testing.T) {
	functions, err := All()
	require.NoError(t, err)
	for _, fn := range functions {
		deps, err := exec.Command("go", "list", "-deps", "./"+fn.Name).Output()
		require.NoError(t, err, "go list -deps ./%s", fn.Name)
		assert.NotContains(t, strings.Fields(string(deps)), "stepfunctions-go/lambdas", "%s links package lambdas", fn.Dir)
	}
}

func TestDiscover(t *testing.T) {
	mainFile := func(comment string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte(comment + "package main\n\nfunc main() {}\n")}
	}
	tests := []struct {
		name    string
		files   fstest.MapFS
		want    []Function
		wantErr string
	}{{
		name: "a main package is a function, its comment's first sentence the description",
		files: fstest.MapFS{
			"whisper/main.go":      mainFile("// Command whisper lower-cases the payload. It is short.\n"),
			"whisper/main_test.go": {Data: []byte("package main\n")},
			"envelope/envelope.go": {Data: []byte("// Package envelope is a library.\npackage envelope\n")},
			"functions.go":         {Data: []byte("package lambdas\n")},
			"empty/README.md":      {Data: []byte("no Go here")},
		},
		want: []Function{{Name: "whisper", Dir: "lambdas/whisper", Description: `Command whisper lower-cases the payload.`}},
	}, {
		name:    "no package comment",
		files:   fstest.MapFS{"whisper/main.go": mainFile("")},
		wantErr: `lambdas/whisper has no package comment: it is the function's description in the Lambda console; start main.go with "// Command whisper ..."`,
	}, {
		name:    "a name AWS resource names cannot carry",
		files:   fstest.MapFS{"Ex_claim/main.go": mainFile("// Command x.\n")},
		wantErr: "lambdas/Ex_claim: a function's directory is its name in every resource",
	}, {
		name:    "a description over Lambda's limit",
		files:   fstest.MapFS{"long/main.go": mainFile("// " + strings.Repeat("x", 300) + ".\n")},
		wantErr: "Lambda accepts at most 256 characters (it has 301)",
	}, {
		name:    "unparsable Go",
		files:   fstest.MapFS{"broken/main.go": {Data: []byte("packag main")}},
		wantErr: "lambdas/broken/main.go",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := discover(tt.files)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestNamingDerivesFromTheShortName(t *testing.T) {
	tests := []struct {
		name, pascal, arnPlaceholder string
	}{
		{"shout", "Shout", "ShoutFunctionArn"},
		{"whisper-softly", "WhisperSoftly", "WhisperSoftlyFunctionArn"},
		{"queue-consumer-2", "QueueConsumer2", "QueueConsumer2FunctionArn"},
		{"a2b-c", "A2bC", "A2bCFunctionArn"},
	}
	for _, tt := range tests {
		fn := Function{Name: tt.name}
		assert.Equal(t, tt.pascal, fn.PascalName())
		assert.Equal(t, tt.arnPlaceholder, fn.ArnPlaceholder())
	}
}

// TestQueueCheckAtItsBounds probes Check at AWS's bounds: maxReceiveCount
// at least 5, MaximumConcurrency 2 to 1000; and every shipped queue passes.
func TestQueueCheckAtItsBounds(t *testing.T) {
	tests := []struct {
		name                         string
		maxReceiveCount, concurrency int
		wantErr                      string
	}{
		{"the least of both", 5, 2, ""},
		{"the most concurrency", 5, 1000, ""},
		{"one receive too few", 4, 2, "MaxReceiveCount 4 is below 5"},
		{"concurrency one too low", 5, 1, "MaximumConcurrency 1 is outside 2 to 1000"},
		{"concurrency one too high", 5, 1001, "MaximumConcurrency 1001 is outside 2 to 1000"},
		{"concurrency unset", 5, 0, "MaximumConcurrency 0 is outside"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Queue{Name: "q", MaxReceiveCount: tt.maxReceiveCount, MaximumConcurrency: tt.concurrency}.Check()
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Contains(t, err.Error(), `queue "q"`)
		})
	}
	for _, q := range Queues() {
		assert.NoError(t, q.Check())
	}
}
