package statemachine

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/lambdas"
)

// twinsDir holds a JSONata twin of each workflow: a test corpus, not
// deployed, that holds the stack's rules (and the engine's run) to both
// query languages. A twin is written as AWS teaches JSONata and asks for
// the same placeholders as the workflow of its name.
const twinsDir = "testdata/jsonata"

type twin struct {
	original, jsonata *Template
	source            []byte
}

// twins pairs every twin with its workflow. A project whose workflows are
// JSONata already keeps no twins, and has none to check.
func twins(t *testing.T) []twin {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(twinsDir, "*"+extension))
	require.NoError(t, err)
	if len(paths) == 0 {
		t.Skipf("no JSONata twins in statemachine/%s", twinsDir)
	}
	var pairs []twin
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), extension)
		original, err := Load(name)
		require.NoError(t, err, "statemachine/%s is the twin of no workflow", path)
		source, err := os.ReadFile(path)
		require.NoError(t, err)
		jsonata, err := parse(twinsDir+"/"+name, source)
		require.NoError(t, err)
		pairs = append(pairs, twin{original, jsonata, source})
	}
	return pairs
}

// TestTwinsDeriveWhatTheirWorkflowsDo: a twin is JSONata throughout, and the
// stack reads from it what it reads from its workflow: the placeholders,
// the functions and queues it deploys and grants, the path of states with
// the function each invokes, and the shortest Task timeout.
func TestTwinsDeriveWhatTheirWorkflowsDo(t *testing.T) {
	functions, err := lambdas.All()
	require.NoError(t, err)
	for _, pair := range twins(t) {
		t.Run(pair.original.Name, func(t *testing.T) {
			definition := decode(t, pair.source)
			assert.Equal(t, JSONata, definition["QueryLanguage"], "a twin is JSONata at the top")
			for stateName, state := range definition["States"].(map[string]any) {
				language, overridden := state.(map[string]any)["QueryLanguage"]
				assert.True(t, !overridden || language == JSONata, "state %s of the twin is %v", stateName, language)
			}

			assert.Equal(t, pair.original.Placeholders(), pair.jsonata.Placeholders())
			assert.Equal(t, pair.original.Path, pair.jsonata.Path)
			assert.Equal(t, pair.original.ShortestTaskTimeout, pair.jsonata.ShortestTaskTimeout)
			assert.Equal(t, pair.original.TimeoutSeconds, pair.jsonata.TimeoutSeconds, "the machine's TimeoutSeconds")
			assert.Equal(t, pair.original.Tasks, pair.jsonata.Tasks, "each Task's timing, resource and queue")
			original, err := wire(pair.original, functions)
			require.NoError(t, err)
			jsonata, err := wire(pair.jsonata, functions)
			require.NoError(t, err)
			assert.Equal(t, original.Functions, jsonata.Functions)
			assert.Equal(t, original.Queues, jsonata.Queues)
		})
	}
}

// TestTwinsGetTheVerdictsOfTheirWorkflows spoils each Task of a workflow,
// and the same Task of its twin, one way at a time: the stack must refuse
// both with the same message, or accept both (a token wait without Retry).
func TestTwinsGetTheVerdictsOfTheirWorkflows(t *testing.T) {
	spoilers := map[string]func(task map[string]any){
		"no Retry": func(task map[string]any) { delete(task, "Retry") },
		"a Retry of its own": func(task map[string]any) {
			task["Retry"] = []Retrier{{ErrorEquals: []string{"States.Timeout"}, MaxAttempts: 1}}
		},
		"no TimeoutSeconds": func(task map[string]any) { delete(task, "TimeoutSeconds") },
	}
	verdict := func(t *testing.T, template *Template, source []byte, stateName string, spoil func(map[string]any)) string {
		definition := decode(t, source)
		task, ok := definition["States"].(map[string]any)[stateName].(map[string]any)
		require.True(t, ok, "the twin has no state %s", stateName)
		spoil(task)
		spoiled, err := json.Marshal(definition)
		require.NoError(t, err)
		if _, err = parse(template.Name, spoiled); err == nil {
			return "accepted"
		}
		return strings.ReplaceAll(err.Error(), "statemachine/"+template.Name+extension, "<file>")
	}
	refused := 0
	for _, pair := range twins(t) {
		source, err := files.ReadFile(pair.original.Name + extension)
		require.NoError(t, err)
		for stateName := range decodeTasks(t, source) {
			for spoilerName, spoil := range spoilers {
				t.Run(pair.original.Name+"/"+stateName+"/"+spoilerName, func(t *testing.T) {
					want := verdict(t, pair.original, source, stateName, spoil)
					if want != "accepted" {
						refused++
					}
					assert.Equal(t, want, verdict(t, pair.jsonata, pair.source, stateName, spoil))
				})
			}
		}
	}
	require.NotZero(t, refused, "no spoiler broke a rule: the comparison checked nothing")
}
