package asl

import (
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"stepfunctions-go/internal/asl/stateserror"
)

// The comparison operators of a JSONPath Choice rule, each with the JSON
// type its operand must have. Every one but StringMatches and the Is* tests
// has a …Path variant whose operand is a path.
var (
	comparisonOperand = map[string]string{
		"StringEquals": "string", "StringLessThan": "string", "StringGreaterThan": "string",
		"StringLessThanEquals": "string", "StringGreaterThanEquals": "string", "StringMatches": "string",
		"NumericEquals": "number", "NumericLessThan": "number", "NumericGreaterThan": "number",
		"NumericLessThanEquals": "number", "NumericGreaterThanEquals": "number",
		"BooleanEquals":   "boolean",
		"TimestampEquals": "timestamp", "TimestampLessThan": "timestamp", "TimestampGreaterThan": "timestamp",
		"TimestampLessThanEquals": "timestamp", "TimestampGreaterThanEquals": "timestamp",
		"IsNull": "boolean", "IsPresent": "boolean", "IsNumeric": "boolean", "IsString": "boolean",
		"IsBoolean": "boolean", "IsTimestamp": "boolean",
	}
	noPathVariant = []string{"StringMatches", "IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"}
)

func (l *loader) choice(f *fields, st *State) {
	v, ok := f.raw("Choices")
	list, isList := v.([]any)
	if !ok || !isList || len(list) == 0 {
		f.fail("Choices", "must be a non-empty array of choice rules")
	}
	for i, e := range list {
		if r := l.choiceRule(fmt.Sprintf("%s: Choices[%d]", f.where, i), e, st.QueryLanguage, true); r != nil {
			st.Choices = append(st.Choices, r)
		}
	}
	st.Default, _ = f.string("Default")
}

func (l *loader) choiceRule(where string, v any, language string, top bool) *ChoiceRule {
	f := l.object(where, v)
	if f == nil {
		return nil
	}
	r := &ChoiceRule{}
	f.string("Comment")
	if top {
		next, ok := f.string("Next")
		if !ok && !f.has("Next") {
			l.problem("%s: field \"Next\" is required in a top-level choice rule", where)
		}
		r.Next = next
		r.Assign = l.assign(f, "Assign", language)
	}
	if language == JSONata {
		if top {
			r.Output, r.HasOutput = f.raw("Output")
		}
		cond, ok := f.raw("Condition")
		s, isString := cond.(string)
		_, isBool := cond.(bool)
		switch {
		case !ok:
			l.problem("%s: field \"Condition\" is required in a JSONata choice rule", where)
		case !isBool && !(isString && isExpression(s)):
			f.fail("Condition", "must be true, false or a {%% %%} expression, not %s", describe(cond))
		}
		r.Condition = cond
		f.rejectUnknown()
		return r
	}
	if f.has("Condition") {
		f.read["Condition"] = true
		f.fail("Condition", "is a JSONata field; this state's QueryLanguage is JSONPath")
	}
	set := 0
	for _, combinator := range []string{"And", "Or"} {
		v, ok := f.raw(combinator)
		if !ok {
			continue
		}
		set++
		list, isList := v.([]any)
		if !isList || len(list) == 0 {
			f.fail(combinator, "must be a non-empty array of choice rules")
			continue
		}
		var rules []*ChoiceRule
		for i, e := range list {
			if nested := l.choiceRule(fmt.Sprintf("%s.%s[%d]", where, combinator, i), e, language, false); nested != nil {
				rules = append(rules, nested)
			}
		}
		if combinator == "And" {
			r.And = rules
		} else {
			r.Or = rules
		}
	}
	if v, ok := f.raw("Not"); ok {
		set++
		r.Not = l.choiceRule(where+".Not", v, language, false)
	}
	for _, key := range f.m.Keys() {
		operator := strings.TrimSuffix(key, "Path")
		kind, known := comparisonOperand[operator]
		isPath := operator != key
		if !known || (isPath && slices.Contains(noPathVariant, operator)) {
			continue
		}
		set++
		r.Operator = key
		operand, _ := f.raw(key)
		r.Operand = operand
		if s, isString := operand.(string); isPath && (!isString || !strings.HasPrefix(s, "$")) {
			f.fail(key, "must be a path starting with $, not %s", describe(operand))
		} else if isPath {
			f.validatePath(key, s, true)
		} else if !isPath && !operandHasKind(operand, kind) {
			f.fail(key, "must be a %s, not %s", kind, describe(operand))
		}
	}
	if r.Operator != "" {
		r.Variable = f.referencePath("Variable")
		if r.Variable == "" && !f.has("Variable") {
			l.problem("%s: field \"Variable\" is required with %s", where, r.Operator)
		}
	}
	if set != 1 {
		l.problem("%s: needs exactly one of And, Or, Not or a comparison operator, found %d", where, set)
	}
	f.rejectUnknown()
	return r
}

func operandHasKind(v any, kind string) bool {
	switch kind {
	case "string":
		_, ok := v.(string)
		return ok
	case "number":
		_, ok := v.(json.Number)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "timestamp":
		s, ok := v.(string)
		if !ok {
			return false
		}
		_, err := parseTimestamp(s)
		return err == nil
	}
	return false
}

// matches evaluates a JSONPath choice rule against the state's input.
func (t *thread) matches(r *ChoiceRule, scope pathScope) (bool, error) {
	switch {
	case r.And != nil:
		for _, nested := range r.And {
			ok, err := t.matches(nested, scope)
			if err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case r.Or != nil:
		for _, nested := range r.Or {
			ok, err := t.matches(nested, scope)
			if err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	case r.Not != nil:
		ok, err := t.matches(r.Not, scope)
		return !ok, err
	}
	value, present, _ := t.lookup(scope, r.Variable)
	if r.Operator == "IsPresent" {
		return present == r.Operand.(bool), nil
	}
	if !present {
		return false, stateserror.New(stateserror.Runtime, "Invalid path '%s': The choice state's condition path references an invalid value.", r.Variable)
	}
	operator, operand := r.Operator, r.Operand
	if base, isPath := strings.CutSuffix(operator, "Path"); isPath {
		resolved, found, _ := t.lookup(scope, operand.(string))
		if !found {
			return false, stateserror.New(stateserror.Runtime, "Invalid path '%s': The choice state's condition path references an invalid value.", operand)
		}
		operator, operand = base, resolved
	}
	return compare(operator, value, operand), nil
}

// compare applies one operator. Values of the wrong type never match, as
// the specification requires.
func compare(operator string, value, operand any) bool {
	switch operator {
	case "IsNull":
		return (value == nil) == operand.(bool)
	case "IsNumeric":
		_, ok := number(value)
		return ok == operand.(bool)
	case "IsString":
		_, ok := value.(string)
		return ok == operand.(bool)
	case "IsBoolean":
		_, ok := value.(bool)
		return ok == operand.(bool)
	case "IsTimestamp":
		s, ok := value.(string)
		if ok {
			_, err := parseTimestamp(s)
			ok = err == nil
		}
		return ok == operand.(bool)
	case "BooleanEquals":
		a, ok1 := value.(bool)
		b, ok2 := operand.(bool)
		return ok1 && ok2 && a == b
	case "StringMatches":
		a, ok1 := value.(string)
		b, ok2 := operand.(string)
		return ok1 && ok2 && stringMatches(a, b)
	}
	kind := comparisonOperand[operator]
	var order int
	switch kind {
	case "string":
		a, ok1 := value.(string)
		b, ok2 := operand.(string)
		if !ok1 || !ok2 {
			return false
		}
		order = strings.Compare(a, b)
	case "number":
		a, ok1 := number(value)
		b, ok2 := number(operand)
		if !ok1 || !ok2 {
			return false
		}
		order = a.Cmp(b)
	case "timestamp":
		a, ok1 := value.(string)
		b, ok2 := operand.(string)
		if !ok1 || !ok2 {
			return false
		}
		ta, err1 := parseTimestamp(a)
		tb, err2 := parseTimestamp(b)
		if err1 != nil || err2 != nil {
			return false
		}
		order = ta.Compare(tb)
	}
	switch strings.TrimPrefix(operator, map[string]string{"string": "String", "number": "Numeric", "timestamp": "Timestamp"}[kind]) {
	case "Equals":
		return order == 0
	case "LessThan":
		return order < 0
	case "GreaterThan":
		return order > 0
	case "LessThanEquals":
		return order <= 0
	case "GreaterThanEquals":
		return order >= 0
	}
	return false
}

// number reads a JSON number exactly.
func number(v any) (*big.Rat, bool) {
	var text string
	switch n := v.(type) {
	case json.Number:
		text = n.String()
	case float64:
		return new(big.Rat).SetFloat64(n), true
	case int:
		return new(big.Rat).SetInt64(int64(n)), true
	case int64:
		return new(big.Rat).SetInt64(n), true
	default:
		return nil, false
	}
	r, ok := new(big.Rat).SetString(text)
	return r, ok
}

// stringMatches is StringMatches: * matches any run of characters; in the
// pattern, \* is a literal asterisk and \\ a literal backslash.
func stringMatches(s, pattern string) bool {
	type token struct {
		wildcard bool
		r        rune
	}
	var tokens []token
	runes := []rune(pattern)
	for i := 0; i < len(runes); i++ {
		switch {
		case runes[i] == '\\' && i+1 < len(runes) && (runes[i+1] == '*' || runes[i+1] == '\\'):
			i++
			tokens = append(tokens, token{r: runes[i]})
		case runes[i] == '*':
			tokens = append(tokens, token{wildcard: true})
		default:
			tokens = append(tokens, token{r: runes[i]})
		}
	}
	text := []rune(s)
	// Classic wildcard matching with one backtrack point.
	ti, pi, star, mark := 0, 0, -1, 0
	for ti < len(text) {
		switch {
		case pi < len(tokens) && !tokens[pi].wildcard && tokens[pi].r == text[ti]:
			ti++
			pi++
		case pi < len(tokens) && tokens[pi].wildcard:
			star, mark = pi, ti
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			ti = mark
		default:
			return false
		}
	}
	for pi < len(tokens) && tokens[pi].wildcard {
		pi++
	}
	return pi == len(tokens)
}
