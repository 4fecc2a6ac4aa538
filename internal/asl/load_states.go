package asl

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"stepfunctions-go/internal/asl/value"
)

// The data-flow fields of each query language, by state type (the Amazon
// States Language specification and the developer guide's "Transforming
// data with JSONata" table of fields per language). Every other field a
// state may have is read by its type's loader; whatever nobody reads is
// refused as unknown.
var (
	stateTypes     = []string{"Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"}
	jsonPathFields = map[string][]string{
		"Task":     {"InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath", "TimeoutSecondsPath", "HeartbeatSecondsPath"},
		"Pass":     {"InputPath", "OutputPath", "Parameters", "Result", "ResultPath"},
		"Choice":   {"InputPath", "OutputPath"},
		"Wait":     {"InputPath", "OutputPath", "SecondsPath", "TimestampPath"},
		"Succeed":  {"InputPath", "OutputPath"},
		"Fail":     {"ErrorPath", "CausePath"},
		"Parallel": {"InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath"},
		"Map":      {"InputPath", "OutputPath", "ItemsPath", "Parameters", "Iterator", "ResultSelector", "ResultPath", "MaxConcurrencyPath"},
	}
	jsonataFields = map[string][]string{
		"Task":     {"Arguments", "Output"},
		"Pass":     {"Output"},
		"Choice":   {"Output"},
		"Wait":     {"Output"},
		"Succeed":  {"Output"},
		"Fail":     {},
		"Parallel": {"Arguments", "Output"},
		"Map":      {"Items", "Output"},
	}
	// distributedMapFields belong to a distributed Map, which runs child
	// executions over S3 data; this engine runs Map inline only.
	distributedMapFields = []string{"ItemReader", "ItemBatcher", "ResultWriter", "ToleratedFailurePercentage", "ToleratedFailureCount", "ToleratedFailurePercentagePath", "ToleratedFailureCountPath", "Label"}
)

func (l *loader) graph(f *fields, inherited, where string) *Graph {
	start, hasStart := f.string("StartAt")
	if !hasStart && !f.has("StartAt") {
		f.l.problem("%s: field \"StartAt\" is required", f.where)
	}
	rawStates, ok := f.raw("States")
	if !ok {
		f.l.problem("%s: field \"States\" is required", f.where)
		return nil
	}
	statesObject := l.object(f.where+": States", rawStates)
	if statesObject == nil {
		return nil
	}
	g := &Graph{StartAt: start, States: map[string]*State{}}
	names := slices.Sorted(slices.Values(statesObject.m.Keys()))
	for _, name := range names {
		if len(name) == 0 || len([]rune(name)) > 80 {
			l.problem("%sstate %q: a state name must have 1 to 80 characters", where, name)
		}
		raw, _ := statesObject.m.Get(name)
		if st := l.state(name, where, raw, inherited); st != nil {
			g.States[name] = st
		}
	}
	if hasStart {
		if !statesObject.m.Has(start) {
			f.fail("StartAt", "names %q, which is not one of its States", start)
		}
	}
	// Transitions stay inside their graph.
	for _, name := range names {
		st := g.States[name]
		if st == nil {
			continue
		}
		for _, next := range st.transitions() {
			if !statesObject.m.Has(next.target) {
				l.problem("%sstate %q: field %q names %q, which is not a state here", where, name, next.field, next.target)
			}
		}
	}
	return g
}

type transition struct{ field, target string }

func (s *State) transitions() []transition {
	var out []transition
	if s.Next != "" {
		out = append(out, transition{"Next", s.Next})
	}
	if s.Default != "" {
		out = append(out, transition{"Default", s.Default})
	}
	for _, c := range s.Catch {
		out = append(out, transition{"Catch.Next", c.Next})
	}
	for _, r := range s.Choices {
		out = append(out, transition{"Choices.Next", r.Next})
	}
	return out
}

func (l *loader) state(name, where string, v any, inherited string) *State {
	label := fmt.Sprintf("%sstate %q", where, name)
	f := l.object(label, v)
	if f == nil {
		return nil
	}
	st := &State{Name: name, QueryLanguage: inherited}
	typ, _ := f.string("Type")
	if !slices.Contains(stateTypes, typ) {
		f.fail("Type", "must be one of Task, Pass, Choice, Wait, Succeed, Fail, Parallel, Map, not %q", typ)
		return nil
	}
	st.Type = typ
	if ql, ok := f.string("QueryLanguage"); ok {
		switch {
		case ql != JSONPath && ql != JSONata:
			f.fail("QueryLanguage", "must be %q or %q, not %q", JSONPath, JSONata, ql)
		case ql == JSONPath && inherited == JSONata:
			f.fail("QueryLanguage", "cannot be JSONPath when the state machine's QueryLanguage is JSONata")
		default:
			st.QueryLanguage = ql
		}
	}
	if st.QueryLanguage == JSONata && l.opts.JSONata == nil {
		l.problem("%s: uses JSONata, and this engine was given no JSONata evaluator", label)
	}
	f.string("Comment")
	l.languageFields(f, st)
	switch typ {
	case "Task":
		l.task(f, st)
	case "Pass":
		if st.QueryLanguage == JSONPath {
			st.Result, st.HasResult = f.raw("Result")
		}
	case "Choice":
		l.choice(f, st)
	case "Wait":
		l.wait(f, st)
	case "Fail":
		l.fail(f, st)
	case "Parallel":
		l.parallel(f, st, where)
	case "Map":
		l.mapState(f, st, where)
	}
	if slices.Contains([]string{"Task", "Parallel", "Map"}, typ) {
		l.retry(f, st)
		l.catch(f, st)
	}
	if slices.Contains([]string{"Task", "Pass", "Wait", "Parallel", "Map"}, typ) {
		l.nextOrEnd(f, st)
	}
	if typ != "Succeed" && typ != "Fail" {
		st.Assign = l.assign(f, "Assign", st.QueryLanguage)
	}
	f.rejectUnknown()
	return st
}

// languageFields reads the data-flow fields of the state's language and
// refuses the other language's with a message naming both.
func (l *loader) languageFields(f *fields, st *State) {
	own, other := jsonPathFields[st.Type], jsonataFields[st.Type]
	if st.QueryLanguage == JSONata {
		own, other = other, own
	}
	otherLanguage := JSONata
	if st.QueryLanguage == JSONata {
		otherLanguage = JSONPath
	}
	for _, name := range other {
		if f.has(name) && !slices.Contains(own, name) {
			f.read[name] = true
			f.fail(name, "is a %s field; this state's QueryLanguage is %s", otherLanguage, st.QueryLanguage)
		}
	}
	if st.Type == "Map" {
		for _, name := range distributedMapFields {
			if f.has(name) {
				f.read[name] = true
				f.fail(name, "belongs to a distributed Map; this engine runs Map states inline only")
			}
		}
	}
	if st.QueryLanguage == JSONPath {
		st.InputPath = f.path("InputPath", true, false)
		st.OutputPath = f.path("OutputPath", true, false)
		st.ResultPath = f.path("ResultPath", true, true)
		st.Parameters, st.HasParameters = l.template(f, "Parameters")
		st.ResultSelector, st.HasResultSelector = l.template(f, "ResultSelector")
		return
	}
	st.Arguments, st.HasArguments = f.raw("Arguments")
	st.Output, st.HasOutput = f.raw("Output")
}

// template reads a JSONPath payload template: a JSON object.
func (l *loader) template(f *fields, name string) (any, bool) {
	v, ok := f.raw(name)
	if !ok {
		return nil, false
	}
	if _, isObject := v.(*value.Object); !isObject {
		f.fail(name, "must be a JSON object, not %s", describe(v))
		return nil, false
	}
	f.validateTemplate(name, v)
	return v, true
}

func (l *loader) nextOrEnd(f *fields, st *State) {
	next, hasNext := f.string("Next")
	end, hasEnd := f.bool("End")
	switch {
	case hasNext && hasEnd:
		f.fail("End", "cannot be set with Next")
	case hasNext:
		st.Next = next
	case hasEnd && end:
		st.End = true
	default:
		f.l.problem("%s: needs either Next or \"End\": true", f.where)
	}
}

func (l *loader) task(f *fields, st *State) {
	resource, ok := f.string("Resource")
	if !ok {
		if !f.has("Resource") {
			f.l.problem("%s: field \"Resource\" is required", f.where)
		}
	} else if integration, served := l.opts.Integrations.Lookup(resource); !served {
		f.fail("Resource", "is %q, which no integration serves here", resource)
	} else {
		st.Resource, st.integration = resource, integration
	}
	st.TimeoutSeconds = l.seconds(f, st, "TimeoutSeconds")
	st.HeartbeatSeconds = l.seconds(f, st, "HeartbeatSeconds")
	if st.QueryLanguage == JSONPath {
		st.TimeoutSecondsPath = f.referencePath("TimeoutSecondsPath")
		st.HeartbeatSecondsPath = f.referencePath("HeartbeatSecondsPath")
		if st.TimeoutSeconds != nil && st.TimeoutSecondsPath != "" {
			f.fail("TimeoutSecondsPath", "cannot be set with TimeoutSeconds")
		}
		if st.HeartbeatSeconds != nil && st.HeartbeatSecondsPath != "" {
			f.fail("HeartbeatSecondsPath", "cannot be set with HeartbeatSeconds")
		}
	}
	timeout, tOK := st.TimeoutSeconds.(int64)
	heartbeat, hOK := st.HeartbeatSeconds.(int64)
	if tOK && hOK && heartbeat >= timeout {
		f.fail("HeartbeatSeconds", "must be smaller than TimeoutSeconds (%d), not %d", timeout, heartbeat)
	}
}

// seconds reads TimeoutSeconds or HeartbeatSeconds: a positive integer, or
// in JSONata a {% %} expression.
func (l *loader) seconds(f *fields, st *State, name string) any {
	if v, ok := stringField(f, name); ok && st.QueryLanguage == JSONata && isExpression(v) {
		f.read[name] = true
		return v
	}
	if n, ok := f.positiveInt(name); ok {
		return n
	}
	return nil
}

func (l *loader) wait(f *fields, st *State) {
	set := 0
	if v, ok := f.raw("Seconds"); ok {
		set++
		if s, isString := v.(string); isString && st.QueryLanguage == JSONata && isExpression(s) {
			st.Seconds = s
		} else if n, isNumber := v.(json.Number); isNumber {
			if x, err := n.Float64(); err != nil || x < 0 || x != math.Trunc(x) || x > 99999999 {
				f.fail("Seconds", "must be a whole number from 0 to 99999999, not %s", n)
			} else {
				st.Seconds = int64(x)
			}
		} else {
			f.fail("Seconds", "must be a whole number of seconds%s, not %s", orExpression(st), describe(v))
		}
	}
	if v, ok := f.raw("Timestamp"); ok {
		set++
		s, isString := v.(string)
		switch {
		case isString && st.QueryLanguage == JSONata && isExpression(s):
			st.Timestamp = s
		case isString:
			if t, err := parseTimestamp(s); err != nil {
				f.fail("Timestamp", "must be an RFC 3339 timestamp such as 2026-03-14T01:59:00Z, not %q", s)
			} else {
				st.Timestamp = t
			}
		default:
			f.fail("Timestamp", "must be a timestamp string%s, not %s", orExpression(st), describe(v))
		}
	}
	if st.QueryLanguage == JSONPath {
		if st.SecondsPath = f.referencePath("SecondsPath"); st.SecondsPath != "" {
			set++
		}
		if st.TimestampPath = f.referencePath("TimestampPath"); st.TimestampPath != "" {
			set++
		}
	}
	if set != 1 {
		f.l.problem("%s: needs exactly one of Seconds, Timestamp, SecondsPath, TimestampPath (JSONPath only for the …Path ones)", f.where)
	}
}

func (l *loader) fail(f *fields, st *State) {
	for _, name := range []string{"Error", "Cause"} {
		v, ok := f.raw(name)
		if !ok {
			continue
		}
		if _, isString := v.(string); !isString {
			f.fail(name, "must be a string, not %s", describe(v))
			continue
		}
		if name == "Error" {
			st.Error = v
		} else {
			st.Cause = v
		}
	}
	if st.QueryLanguage == JSONPath {
		st.ErrorPath = f.pathOrIntrinsic("ErrorPath")
		st.CausePath = f.pathOrIntrinsic("CausePath")
		if st.Error != nil && st.ErrorPath != "" {
			f.fail("ErrorPath", "cannot be set with Error")
		}
		if st.Cause != nil && st.CausePath != "" {
			f.fail("CausePath", "cannot be set with Cause")
		}
	}
}

func (l *loader) parallel(f *fields, st *State, where string) {
	v, ok := f.raw("Branches")
	list, isList := v.([]any)
	if !ok || !isList || len(list) == 0 {
		f.fail("Branches", "must be a non-empty array of branches")
		return
	}
	for i, b := range list {
		bf := l.object(fmt.Sprintf("%s: Branches[%d]", f.where, i), b)
		if bf == nil {
			continue
		}
		bf.string("Comment")
		g := l.graph(bf, st.QueryLanguage, fmt.Sprintf("%sstate %q branch %d: ", where, st.Name, i))
		bf.rejectUnknown()
		if g != nil {
			st.Branches = append(st.Branches, g)
		}
	}
}

func (l *loader) mapState(f *fields, st *State, where string) {
	if st.QueryLanguage == JSONPath {
		st.ItemsPath = f.path("ItemsPath", false, true)
		st.MaxConcurrencyPath = f.referencePath("MaxConcurrencyPath")
		if st.HasParameters {
			if f.has("ItemSelector") {
				f.fail("Parameters", "cannot be set with ItemSelector (Parameters is ItemSelector's former name)")
			}
			st.ItemSelector, st.HasItemSelector = st.Parameters, true
			st.Parameters, st.HasParameters = nil, false
		}
	} else {
		st.Items, st.HasItems = f.raw("Items")
	}
	if v, ok := f.raw("ItemSelector"); ok {
		st.ItemSelector, st.HasItemSelector = v, true
		if st.QueryLanguage == JSONPath {
			if _, isObject := v.(*value.Object); !isObject {
				f.fail("ItemSelector", "must be a JSON object, not %s", describe(v))
			}
			f.validateTemplate("ItemSelector", v)
		}
	}
	if v, ok := stringField(f, "MaxConcurrency"); ok && st.QueryLanguage == JSONata && isExpression(v) {
		f.read["MaxConcurrency"] = true
		st.MaxConcurrency = v
	} else if n, ok := f.nonNegativeInt("MaxConcurrency"); ok {
		st.MaxConcurrency = n
	}
	processor, hasProcessor := f.raw("ItemProcessor")
	iterator, hasIterator := f.raw("Iterator")
	switch {
	case hasProcessor && hasIterator:
		f.fail("Iterator", "cannot be set with ItemProcessor (Iterator is ItemProcessor's former name)")
		return
	case hasIterator:
		processor, hasProcessor = iterator, true
	case !hasProcessor:
		f.l.problem("%s: field \"ItemProcessor\" is required", f.where)
		return
	}
	pf := l.object(f.where+": ItemProcessor", processor)
	if pf == nil {
		return
	}
	if config, ok := pf.raw("ProcessorConfig"); ok {
		cf := l.object(f.where+": ItemProcessor.ProcessorConfig", config)
		if cf != nil {
			if mode, ok := cf.string("Mode"); ok && mode != "INLINE" {
				cf.fail("Mode", "is %q; this engine runs Map states INLINE only", mode)
			}
			if _, ok := cf.raw("ExecutionType"); ok {
				cf.fail("ExecutionType", "belongs to a distributed Map; this engine runs Map states inline only")
			}
			cf.rejectUnknown()
		}
	}
	pf.string("Comment")
	g := l.graph(pf, st.QueryLanguage, fmt.Sprintf("%sstate %q item processor: ", where, st.Name))
	pf.rejectUnknown()
	st.Processor = g
}
