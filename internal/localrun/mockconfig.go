package localrun

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"stepfunctions-go/internal/asl/value"
)

// A mock config file in the format Step Functions Local defined
// ("Using mocked service integrations for testing in Step Functions
// Local"), so that its users keep their files:
//
//	{"StateMachines": {"<machine name>": {"TestCases": {"<test case>": {"<state>": "<mocked response>"}}}},
//	 "MockedResponses": {"<mocked response>": {"0": {"Return": <result>}, "1-2": {"Throw": {"Error": "…", "Cause": "…"}}}}}
//
// An execution started on <stateMachineArn>#<test case> answers each mocked
// state's Task with the response for its invocation: the first is 0, and
// every retry and every Map iteration is one more. The keys of a mocked
// response number its invocations from 0 without gap or overlap, each a
// number or a range "first-last".

// mockConfig is a parsed mock config file.
type mockConfig struct {
	// testCases are by state machine name, then test case name.
	testCases map[string]map[string]*mockTestCase
}

// mockTestCase is the mocked responses of one test case, by state name.
type mockTestCase struct {
	machine, name string
	states        map[string]*mockedResponse
}

// mockedResponse answers a state's invocations in turn.
type mockedResponse struct {
	name    string
	answers []mockAnswer // by invocation
}

// mockAnswer is one invocation's Return, or its Throw when err is set.
type mockAnswer struct {
	result json.RawMessage // decoded for each answer: executions share it
	err    *Failure
}

// rawMockConfig is the file's shape; a field outside it is refused, as a
// misspelt one would otherwise mock nothing.
type rawMockConfig struct {
	StateMachines map[string]struct {
		TestCases map[string]map[string]string `json:"TestCases"`
	} `json:"StateMachines"`
	MockedResponses map[string]map[string]json.RawMessage `json:"MockedResponses"`
}

// readMockConfig reads and checks the mock config file at path.
func readMockConfig(path string) (*mockConfig, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, setupErrorf("reading the mock config file: %v", err)
	}
	config, err := parseMockConfig(text)
	if err != nil {
		return nil, setupErrorf("the mock config file %s: %v", path, err)
	}
	return config, nil
}

// parseMockConfig checks text, a mock config, and returns it parsed, or
// the first problem, naming where it is and what is allowed.
func parseMockConfig(text []byte) (*mockConfig, error) {
	var raw rawMockConfig
	decoder := json.NewDecoder(bytes.NewReader(text))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&raw); err != nil {
		return nil, fmt.Errorf("is not a mock config (an object with StateMachines → name → TestCases → test case → state → mocked response name, and MockedResponses → name → invocation → Return or Throw): %v", err)
	}
	if decoder.More() {
		return nil, fmt.Errorf("has text after its JSON object")
	}
	responses := map[string]*mockedResponse{}
	for _, name := range slices.Sorted(maps.Keys(raw.MockedResponses)) {
		response, err := parseMockedResponse(name, raw.MockedResponses[name])
		if err != nil {
			return nil, err
		}
		responses[name] = response
	}
	config := &mockConfig{testCases: map[string]map[string]*mockTestCase{}}
	for machine, cases := range raw.StateMachines {
		if len(cases.TestCases) == 0 {
			return nil, fmt.Errorf("StateMachines.%s has no TestCases", machine)
		}
		config.testCases[machine] = map[string]*mockTestCase{}
		for name, states := range cases.TestCases {
			testCase := &mockTestCase{machine: machine, name: name, states: map[string]*mockedResponse{}}
			for state, responseName := range states {
				response, ok := responses[responseName]
				if !ok {
					return nil, fmt.Errorf("test case %s of %s mocks state %q with %q, which MockedResponses does not define (it defines %s)", name, machine, state, responseName, namesOf(slices.Sorted(maps.Keys(responses))))
				}
				testCase.states[state] = response
			}
			config.testCases[machine][name] = testCase
		}
	}
	return config, nil
}

// invocationKey is a mocked response's key: an invocation or a range.
var invocationKey = regexp.MustCompile(`^(\d+)(?:-(\d+))?$`)

// parseMockedResponse reads the invocations of the mocked response name.
func parseMockedResponse(name string, invocations map[string]json.RawMessage) (*mockedResponse, error) {
	type numbered struct {
		first, last int
		answer      mockAnswer
	}
	var all []numbered
	for key, raw := range invocations {
		match := invocationKey.FindStringSubmatch(key)
		if match == nil {
			return nil, fmt.Errorf("MockedResponses.%s has the key %q; a key is an invocation number, e.g. \"0\", or a range, e.g. \"1-2\"", name, key)
		}
		first, err1 := strconv.Atoi(match[1])
		last, err2 := strconv.Atoi(cmp.Or(match[2], match[1]))
		if err1 != nil || err2 != nil || last < first {
			return nil, fmt.Errorf("MockedResponses.%s has the range %q, which does not go from a number to a greater one", name, key)
		}
		answer, err := parseMockAnswer(raw)
		if err != nil {
			return nil, fmt.Errorf("MockedResponses.%s.%s %v", name, key, err)
		}
		all = append(all, numbered{first, last, answer})
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("MockedResponses.%s answers no invocation; give at least \"0\"", name)
	}
	slices.SortFunc(all, func(a, b numbered) int { return a.first - b.first })
	response := &mockedResponse{name: name}
	for _, n := range all {
		if n.first != len(response.answers) {
			return nil, fmt.Errorf("MockedResponses.%s numbers its invocations with a gap or an overlap at %d: they must go 0, 1, 2… without either", name, n.first)
		}
		if n.last-n.first >= maxMockedInvocations {
			return nil, fmt.Errorf("MockedResponses.%s has a range of more than %d invocations", name, maxMockedInvocations)
		}
		for range n.last - n.first + 1 {
			response.answers = append(response.answers, n.answer)
		}
	}
	return response, nil
}

// maxMockedInvocations bounds a range, so that a typo such as "1-9999999999"
// is refused rather than filling memory.
const maxMockedInvocations = 100_000

// parseMockAnswer reads {"Return": value} or {"Throw": {"Error", "Cause"}}.
func parseMockAnswer(raw json.RawMessage) (mockAnswer, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return mockAnswer{}, fmt.Errorf("is not an object with Return or Throw")
	}
	returned, hasReturn := fields["Return"]
	thrown, hasThrow := fields["Throw"]
	if len(fields) != 1 || hasReturn == hasThrow {
		return mockAnswer{}, fmt.Errorf("has the fields %s; it must have exactly one of Return and Throw", namesOf(slices.Sorted(maps.Keys(fields))))
	}
	if hasReturn {
		if _, err := value.Decode(returned); err != nil {
			return mockAnswer{}, fmt.Errorf("has a Return that is not JSON: %v", err)
		}
		return mockAnswer{result: returned}, nil
	}
	var failure struct {
		Error *string `json:"Error"`
		Cause string  `json:"Cause"`
	}
	decoder := json.NewDecoder(bytes.NewReader(thrown))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&failure); err != nil || failure.Error == nil || *failure.Error == "" {
		return mockAnswer{}, fmt.Errorf("has a Throw that is not an object with a non-empty Error string and an optional Cause string")
	}
	return mockAnswer{err: &Failure{Error: *failure.Error, Cause: failure.Cause}}, nil
}

// testCase is the test case name of the state machine called machine.
func (c *mockConfig) testCase(machine, name string) (*mockTestCase, error) {
	if c == nil {
		return nil, fmt.Errorf("the endpoint has no mock config: start it with -mock-config FILE to run test case %q", name)
	}
	cases, ok := c.testCases[machine]
	if !ok {
		return nil, fmt.Errorf("the mock config has no test cases for the state machine %q (it has test cases for %s)", machine, namesOf(slices.Sorted(maps.Keys(c.testCases))))
	}
	testCase, ok := cases[name]
	if !ok {
		return nil, fmt.Errorf("the mock config has no test case %q for the state machine %q (it has %s)", name, machine, namesOf(slices.Sorted(maps.Keys(cases))))
	}
	return testCase, nil
}

// mockedStates are the states any test case of machine mocks.
func (c *mockConfig) mockedStates(machine string) map[string]bool {
	states := map[string]bool{}
	if c != nil {
		for _, testCase := range c.testCases[machine] {
			for state := range testCase.states {
				states[state] = true
			}
		}
	}
	return states
}

// answer is the mocked response for invocation (from 0) of state.
func (r *mockedResponse) answer(state string, invocation int) (mockAnswer, error) {
	if invocation >= len(r.answers) {
		return mockAnswer{}, fmt.Errorf("state %q is invoked a %s time, and its mocked response %s answers %d invocations only", state, ordinal(invocation+1), r.name, len(r.answers))
	}
	return r.answers[invocation], nil
}

func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(n) + suffix
}

// namesOf lists names for a message, or says there are none.
func namesOf(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
