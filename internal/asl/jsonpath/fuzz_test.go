package jsonpath

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/asl/stateserror"
	"stepfunctions-go/internal/asl/value"
)

// The fuzz tests hold the package to its contract on any input: nothing
// panics, what loads runs to a value or a *stateserror.Error, and what does
// not load fails at run time too. Their seeds are the tables' cases.

func decodeFuzz(text string) (any, bool) {
	v, err := value.Decode([]byte(text))
	return v, err == nil
}

func requireStatesError(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var se *stateserror.Error
	require.True(t, errors.As(err, &se), "run-time errors are *stateserror.Error, got %T: %v", err, err)
}

func FuzzGet(f *testing.F) {
	for _, p := range []string{"$", "$.store.book[*].author", "$..price", "$.store.book.length()", "$..price.avg()", "$.store.book[?(@.price < 10 && @.isbn)]", "$['a','b']", "$.a[-1:]", "$[?(@.a =~ /x.*/i)]", "$..[0]"} {
		f.Add(p, store)
	}
	f.Fuzz(func(t *testing.T, path, docText string) {
		doc, ok := decodeFuzz(docText)
		if !ok {
			return
		}
		got, err := Get(doc, path)
		requireStatesError(t, err)
		if Validate(path, false) != nil {
			require.Error(t, err, "a path that does not load does not run")
			return
		}
		if parsed, _ := parsePath(path); err == nil && !parsed.definite() {
			_, isList := got.([]any)
			require.True(t, isList, "an indefinite path yields an array")
		}
	})
}

func FuzzSet(f *testing.F) {
	f.Add(`{"a":{"b":1}}`, "$.a.b")
	f.Add(`{"l":[1,2]}`, "$.l[-1]")
	f.Add(`"text"`, "$.x")
	f.Add(`{}`, "$.x.y['z']")
	f.Fuzz(func(t *testing.T, docText, path string) {
		doc, ok := decodeFuzz(docText)
		if !ok {
			return
		}
		before, _ := decodeFuzz(docText)
		got, err := Set(doc, path, "RESULT")
		requireStatesError(t, err)
		assert.Equal(t, before, doc, "Set never changes its input")
		if err != nil {
			return
		}
		// What Set placed, Get finds at the same path.
		back, err := Get(got, path)
		require.NoError(t, err)
		assert.Equal(t, "RESULT", back)
	})
}

func FuzzIntrinsic(f *testing.F) {
	for _, seed := range []string{
		`States.Format('Hello, my name is {}.', $.name)`,
		`States.ArrayPartition($.inputArray, 4)`,
		`States.ArrayRange(1, 9, 2)`,
		`States.JsonMerge($.json1, $.json2, false)`,
		`States.Hash($.Data, 'SHA-256')`,
		`States.MathRandom(1, 999, 3)`,
		`States.StringSplit($.inputString, $.splitter)`,
		`States.Format('\{\} \'{}\' \\', States.UUID())`,
		`States.ArrayGetItem(States.StringSplit('a/b', '/'), 1)`,
	} {
		f.Add(seed)
	}
	input := decode(f, intrinsicInput)
	f.Fuzz(func(t *testing.T, expression string) {
		_, err := Template(field("r.$", expression), Scope{Input: input, Entropy: bytes.NewReader(make([]byte, 64))})
		requireStatesError(t, err)
		if IsIntrinsic(expression) && ValidateIntrinsic(expression) != nil {
			require.Error(t, err, "a call that does not load does not run")
		}
	})
}

func FuzzTemplate(f *testing.F) {
	f.Add(`{"a":1,"b.$":"$.name","c":[{"d.$":"States.Array($.items[0], $$.Execution.Id)"}],"e.$":"$greeting"}`)
	f.Add(`{"a":1,"a.$":"$"}`)
	f.Add(`{"x":{"y.$":"$cfg.limits.max"}}`)
	f.Fuzz(func(t *testing.T, templateText string) {
		template, ok := decodeFuzz(templateText)
		if !ok {
			return
		}
		_, err := Template(template, templateScope(t))
		requireStatesError(t, err)
		if verr := ValidateTemplate(template); verr != nil {
			var de *DefinitionError
			require.True(t, errors.As(verr, &de), "load-time errors are *DefinitionError, got %T", verr)
		}
	})
}
