package asl

import (
	"iter"

	"stepfunctions-go/internal/asl/value"
)

// The loaded, validated model of a definition. Fields keep the definition's
// names; a value that may hold a JSONata expression or a payload template
// stays a JSON value (any) and is evaluated when the state runs.

// Query languages.
const (
	JSONPath = "JSONPath"
	JSONata  = "JSONata"
)

// Graph is a set of states with a start: the state machine itself, a
// Parallel branch or a Map's item processor.
type Graph struct {
	StartAt string
	States  map[string]*State
}

// AllStates yields every state of g, and of its Parallel branches and Map
// item processors at any depth.
func (g *Graph) AllStates() iter.Seq[*State] {
	return func(yield func(*State) bool) {
		g.all(yield)
	}
}

func (g *Graph) all(yield func(*State) bool) bool {
	for _, st := range g.States {
		if !yield(st) {
			return false
		}
		for _, branch := range st.Branches {
			if !branch.all(yield) {
				return false
			}
		}
		if st.Processor != nil && !st.Processor.all(yield) {
			return false
		}
	}
	return true
}

// State is one state of any type; only the fields its type allows are set.
type State struct {
	Name          string
	Type          string
	QueryLanguage string

	Next string
	End  bool

	// JSONPath data flow.
	InputPath, OutputPath, ResultPath *string // nil: "$" (or unset); null: pointer to nullPath
	Parameters, ResultSelector        any
	HasParameters, HasResultSelector  bool
	Result                            any
	HasResult                         bool

	// JSONata data flow.
	Arguments, Output       any
	HasArguments, HasOutput bool

	Assign *value.Object

	// Task.
	Resource             string
	integration          Integration
	TimeoutSeconds       any // number or JSONata string
	TimeoutSecondsPath   string
	HeartbeatSeconds     any
	HeartbeatSecondsPath string

	Retry []Retrier
	Catch []Catcher

	// Choice.
	Choices []*ChoiceRule
	Default string

	// Wait.
	Seconds, Timestamp         any
	SecondsPath, TimestampPath string

	// Fail.
	Error, Cause         any
	ErrorPath, CausePath string

	// Parallel.
	Branches []*Graph

	// Map.
	ItemsPath          *string
	Items              any
	HasItems           bool
	ItemSelector       any
	HasItemSelector    bool
	Processor          *Graph
	MaxConcurrency     any
	MaxConcurrencyPath string
}

// nullPath stands for a path field set to JSON null: InputPath null gives
// the state {} and ResultPath null discards the result.
var nullPath = new(string)

// Retrier is one element of Retry.
type Retrier struct {
	ErrorEquals     []string
	IntervalSeconds float64
	MaxAttempts     int
	BackoffRate     float64
	MaxDelaySeconds float64 // 0: no cap
	JitterFull      bool
}

// Catcher is one element of Catch.
type Catcher struct {
	ErrorEquals []string
	Next        string
	ResultPath  *string
	Output      any
	HasOutput   bool
	Assign      *value.Object
}

// ChoiceRule is a Choice rule: a top-level one has Next; nested ones (in
// And, Or, Not) do not.
type ChoiceRule struct {
	Next      string
	Assign    *value.Object
	Output    any
	HasOutput bool

	// JSONata.
	Condition any

	// JSONPath.
	Variable string
	Operator string // e.g. StringEquals, NumericLessThanPath, IsPresent
	Operand  any
	And, Or  []*ChoiceRule
	Not      *ChoiceRule
}
