package main

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stepFunctionsModel is the Step Functions API model botocore ships: the
// machine image's Python has botocore (the AWS CLI v1), Debian's AWS CLI v2
// package carries its own copy. Without either the test cannot read AWS's
// limits: CI fails, elsewhere the test is skipped saying why.
func stepFunctionsModel(t *testing.T) map[string]any {
	t.Helper()
	var candidates []string
	if out, err := exec.Command("python3", "-c", "import botocore, os; print(os.path.dirname(botocore.__file__))").Output(); err == nil {
		candidates = append(candidates, strings.TrimSpace(string(out)))
	}
	candidates = append(candidates, "/usr/lib/python3/dist-packages/awscli/botocore")
	for _, botocore := range candidates {
		for _, name := range []string{"service-2.json.gz", "service-2.json"} {
			path := filepath.Join(botocore, "data", "stepfunctions", "2016-11-23", name)
			file, err := os.Open(path)
			if err != nil {
				continue
			}
			defer file.Close()
			var source io.Reader = file
			if strings.HasSuffix(name, ".gz") {
				source, err = gzip.NewReader(file)
				require.NoError(t, err, path)
			}
			var model map[string]any
			require.NoError(t, json.NewDecoder(source).Decode(&model), path)
			return model
		}
	}
	const how = "the botocore Step Functions model (stepfunctions/2016-11-23/service-2.json) is in none of %v: it comes with the AWS CLI v1 (the machine image's Python) or Debian's awscli package"
	if os.Getenv("CI") == "true" {
		t.Fatalf(how, candidates)
	}
	t.Skipf(how, candidates)
	return nil
}

// modelMax is the max length of the shape a member of an input structure has.
func modelMax(t *testing.T, model map[string]any, structure, member string) int {
	t.Helper()
	shapes := model["shapes"].(map[string]any)
	members := shapes[structure].(map[string]any)["members"].(map[string]any)
	require.Contains(t, members, member, structure)
	shape := members[member].(map[string]any)["shape"].(string)
	limit, ok := shapes[shape].(map[string]any)["max"].(float64)
	require.True(t, ok, "%s.%s (shape %s) has no max", structure, member, shape)
	return int(limit)
}

func TestFailureLimitsAreAWSs(t *testing.T) {
	model := stepFunctionsModel(t)
	assert.Equal(t, modelMax(t, model, "SendTaskFailureInput", "error"), maxErrorLength)
	assert.Equal(t, modelMax(t, model, "SendTaskFailureInput", "cause"), maxCauseLength)
}

// units is the length of s in UTF-16 code units, counted by encoding it;
// each invalid UTF-8 byte becomes one U+FFFD, as the request's JSON has it.
func units(s string) int { return len(utf16.Encode([]rune(s))) }

// checkFit states what fitLength promises for s and limit.
func checkFit(t *testing.T, s string, limit int) {
	t.Helper()
	got := fitLength(s, limit)
	if units(s) <= limit {
		assert.Equal(t, s, got, "what fits is left alone")
		return
	}
	assert.LessOrEqual(t, units(got), limit)
	kept, marked := strings.CutSuffix(got, "…")
	require.True(t, marked, "a cut text ends with the mark: %q", got)
	require.True(t, strings.HasPrefix(s, kept), "the cut keeps the start")
	// The cut falls between characters, and the next character did not fit.
	offset := 0
	for offset < len(kept) {
		_, size := utf8.DecodeRuneInString(s[offset:])
		offset += size
	}
	require.Equal(t, len(kept), offset, "the cut splits a character of %q", s)
	next, _ := utf8.DecodeRuneInString(s[offset:])
	assert.Greater(t, units(kept)+units(string(next))+units("…"), limit, "the cut is shorter than it needs to be")
}

func TestFitLengthAtTheLimits(t *testing.T) {
	for _, limit := range []int{maxErrorLength, maxCauseLength} {
		a := func(n int) string { return strings.Repeat("a", n) }
		tests := []struct {
			name, text string
			wantUnits  int
			wantCut    bool
		}{
			{"exactly at the limit", a(limit), limit, false},
			{"one over", a(limit + 1), limit, true},
			{"a pair ends exactly at the limit", a(limit-2) + "😀", limit, false},
			{"a pair would straddle the limit", a(limit-1) + "😀", limit, true},
			{"a pair would straddle the mark", a(limit-2) + "😀b", limit - 1, true},
			{"pairs only, at the limit", strings.Repeat("😀", limit/2), limit, false},
			{"pairs only, one over", strings.Repeat("😀", limit/2) + "b", limit - 1, true},
			{"two-byte characters count once", strings.Repeat("é", limit), limit, false},
			{"three-byte characters, one over", strings.Repeat("€", limit+1), limit, true},
			{"invalid bytes count once each", strings.Repeat("\xff", limit), limit, false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				checkFit(t, tt.text, limit)
				got := fitLength(tt.text, limit)
				assert.Equal(t, tt.wantUnits, units(got))
				assert.Equal(t, tt.wantCut, strings.HasSuffix(got, "…"))
			})
		}
	}
}

func FuzzFitLength(f *testing.F) {
	for _, seed := range []string{"", "a", "😀", "a😀", "é€😀\xff", strings.Repeat("😀", 200)} {
		f.Add(seed, 3)
	}
	f.Fuzz(func(t *testing.T, s string, limit int) {
		if limit < units("…") || limit > 1<<16 {
			return
		}
		checkFit(t, s, limit)
	})
}

// FuzzFitLengthAtAWSsLimits puts fuzzed text just around each of AWS's
// limits, where a pair or a multi-byte character may straddle the cut.
func FuzzFitLengthAtAWSsLimits(f *testing.F) {
	for _, seed := range []string{"", "😀", "a😀", "é€😀\xff", "\xed\xa0\x80😀"} {
		for shift := range uint8(4) {
			f.Add(seed, shift)
		}
	}
	f.Fuzz(func(t *testing.T, tail string, shift uint8) {
		for _, limit := range []int{maxErrorLength, maxCauseLength} {
			checkFit(t, strings.Repeat("a", limit-int(shift%8))+tail, limit)
		}
	})
}

// TestWorkerReportsAFailureAWSAccepts fails a task with a cause far over
// AWS's limit (an event with a very long unexpected field name, which the
// cause quotes): the report fits.
func TestWorkerReportsAFailureAWSAccepts(t *testing.T) {
	long := strings.Repeat("😀", maxCauseLength)
	body, err := json.Marshal(map[string]string{"payload": "x", long: "y", "taskToken": "t"})
	require.NoError(t, err)
	tasks := &fakeStepFunctions{}
	require.NoError(t, worker{tasks: tasks}.process(t.Context(), string(body)))
	require.Len(t, tasks.reports, 2)
	failure := tasks.reports[1]
	assert.Equal(t, "failure", failure.Kind)
	assert.Equal(t, "InvalidInputError", failure.Error)
	assert.LessOrEqual(t, units(failure.Cause), maxCauseLength)
	assert.True(t, strings.HasPrefix(failure.Cause, "invalid input: unexpected field(s)"), failure.Cause[:64])
	assert.True(t, strings.HasSuffix(failure.Cause, "😀…"), "cut after the last whole pair that fits")
}
