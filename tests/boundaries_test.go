package tests

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/infra"
)

// declaredValues is what Pulumi.yaml's description of an integer key says it
// allows: a range ("128 to 10240", "0–99") or a list ("one of 1, 3, 5").
type declaredValues struct {
	min, max int
	// listed holds the allowed values when the description lists them.
	listed []int
}

var (
	listedValues  = regexp.MustCompile(`one of ((?:-?\d+, )+-?\d+)`)
	declaredRange = regexp.MustCompile(`(?:from |between )?(-?\d+) ?(?:to|and|–|-) ?(-?\d+)`)
)

// parseDeclaredValues reads the allowed values from a key's description:
// what the description promises the user is what the program must enforce,
// whatever constants the program uses to do so.
func parseDeclaredValues(description string) (declaredValues, bool) {
	if list := listedValues.FindStringSubmatch(description); list != nil {
		var values []int
		for _, text := range strings.Split(list[1], ", ") {
			value, err := strconv.Atoi(text)
			if err != nil {
				return declaredValues{}, false
			}
			values = append(values, value)
		}
		return declaredValues{min: slices.Min(values), max: slices.Max(values), listed: values}, true
	}
	if bounds := declaredRange.FindStringSubmatch(description); bounds != nil {
		low, lowErr := strconv.Atoi(bounds[1])
		high, highErr := strconv.Atoi(bounds[2])
		return declaredValues{min: low, max: high}, lowErr == nil && highErr == nil && low <= high
	}
	return declaredValues{}, false
}

// probes are the values to try at the edges of what is allowed: the ends
// pass, one step outside fails, and for a list, the first value between two
// listed ones fails too.
func (v declaredValues) probes() (pass, fail []int) {
	pass = []int{v.min, v.max}
	fail = []int{v.min - 1, v.max + 1}
	for gap := v.min + 1; v.listed != nil && gap < v.max; gap++ {
		if !slices.Contains(v.listed, gap) {
			fail = append(fail, gap)
			break
		}
	}
	return pass, fail
}

// awsAllows is what AWS accepts for the setting a key configures, as its
// documentation states it, so a description cannot promise more than AWS
// takes: Lambda's quotas page (memory 128 MB to 10,240 MB, timeout up to
// 900 seconds), CloudWatch Logs' PutRetentionPolicy (the listed days), and
// Step Functions' UpdateStateMachineAlias (a routing weight from 0 to 100).
var awsAllows = map[string]declaredValues{
	"lambdaMemoryMb":       {min: 128, max: 10240},
	"lambdaTimeoutSeconds": {min: 1, max: 900},
	"logRetentionDays":     {min: 1, max: 3653, listed: []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}},
	"canaryPercent":        {min: 0, max: 100},
}

// TestDescriptionsPromiseNoMoreThanAWSAllows holds each described range
// within AWS's for the keys whose values go to AWS as they are.
func TestDescriptionsPromiseNoMoreThanAWSAllows(t *testing.T) {
	for key, setting := range pulumiYAMLConfig(t) {
		allowed, known := awsAllows[key]
		if setting.Type != "integer" || !known {
			continue
		}
		declared, ok := parseDeclaredValues(setting.Description)
		require.True(t, ok, key)
		assert.GreaterOrEqual(t, declared.min, allowed.min, key)
		assert.LessOrEqual(t, declared.max, allowed.max, key)
		for _, value := range declared.listed {
			if allowed.listed != nil {
				assert.Contains(t, allowed.listed, value, "%s: AWS does not accept %d", key, value)
			}
		}
	}
}

func TestParseDeclaredValues(t *testing.T) {
	tests := []struct {
		description string
		want        declaredValues
		ok          bool
	}{
		{"Memory of each function, 128 to 10240 MB (CPU scales with it).", declaredValues{min: 128, max: 10240}, true},
		{"Share of new executions, 0–99 percent.", declaredValues{min: 0, max: 99}, true},
		{"from 1 to 29 seconds (below the workflow's 30 s Task timeout)", declaredValues{min: 1, max: 29}, true},
		{"days; one of 1, 3, 5, 3653.", declaredValues{min: 1, max: 3653, listed: []int{1, 3, 5, 3653}}, true},
		{"A number of things.", declaredValues{}, false},
		{"99 to 1", declaredValues{}, false},
	}
	for _, tt := range tests {
		got, ok := parseDeclaredValues(tt.description)
		assert.Equal(t, tt.ok, ok, tt.description)
		if tt.ok {
			assert.Equal(t, tt.want, got, tt.description)
		}
	}
	pass, fail := declaredValues{min: 1, max: 7, listed: []int{1, 3, 7}}.probes()
	assert.Equal(t, []int{1, 7}, pass)
	assert.Equal(t, []int{0, 8, 2}, fail)
}

// TestEveryIntegerKeyAtItsBounds probes each integer key of Pulumi.yaml at
// the edges its description declares, so a new key is probed without an
// edit here: the smallest and largest allowed values deploy, and one below,
// one above (and, for a list, one between) fail before any resource, with a
// message naming the key and the value.
func TestEveryIntegerKeyAtItsBounds(t *testing.T) {
	probed := 0
	for key, setting := range pulumiYAMLConfig(t) {
		if setting.Type != "integer" {
			continue
		}
		probed++
		t.Run(key, func(t *testing.T) {
			declared, ok := parseDeclaredValues(setting.Description)
			require.True(t, ok, `Pulumi.yaml's description of %s must say what it allows, as "<min> to <max>" or "one of <v1>, <v2>, …": %q`, key, setting.Description)
			pass, fail := declared.probes()
			for _, value := range pass {
				t.Run(strconv.Itoa(value)+" deploys", func(t *testing.T) {
					_, err := deploy(t, map[string]string{key: strconv.Itoa(value)})
					assert.NoError(t, err)
				})
			}
			for _, value := range fail {
				t.Run(strconv.Itoa(value)+" fails", func(t *testing.T) {
					d, err := deploy(t, map[string]string{key: strconv.Itoa(value)})
					require.Error(t, err)
					assert.Contains(t, err.Error(), project+":"+key+` = "`+strconv.Itoa(value)+`" is invalid`)
					assert.Empty(t, d.resources, "nothing may be created with an invalid config")
				})
			}
		})
	}
	assert.NotZero(t, probed, "Pulumi.yaml declares no integer key to probe")
}

// TestProjectNamesAtTheirLimit: with a one-character stack, the longest
// project name whose longest IAM role name ("<project>-<stack>-<longest
// function>-<region>", counted here from the lambdas/ directories) is IAM's
// 64 characters deploys, and one more character fails before any resource.
func TestProjectNamesAtTheirLimit(t *testing.T) {
	const stackName = "s"
	longest := 0
	for fn := range mainPackages(t) {
		longest = max(longest, len(fn))
	}
	fits := 64 - len("-"+stackName) - len("-") - longest - len("-"+region)
	for _, tt := range []struct {
		length  int
		wantErr string
	}{
		{fits, ""},
		{fits + 1, "choose a shorter project name"},
	} {
		t.Run(strconv.Itoa(tt.length), func(t *testing.T) {
			setConfig(t, nil)
			m := &mocks{}
			err := pulumi.RunErr(infra.Deploy, pulumi.WithMocks(strings.Repeat("p", tt.length), stackName, m))
			if tt.wantErr == "" {
				require.NoError(t, err)
				assert.NotEmpty(t, m.resources)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Empty(t, m.resources)
		})
	}
}
