package jsonpath

import (
	"encoding/json"
	"regexp"
	"strings"
)

// Filters follow Jayway's: [?(@.price < 10 && @.tags)] with the operators
// ==, !=, <, <=, >, >=, =~ /regex/flags, in and nin, && and ||, ! and
// parentheses, and a bare path as an existence test. Jayway's other
// operators (subsetof, anyof, noneof, size, empty) are refused at load.

type filterExpr interface {
	test(f filterScope) bool
}

// filterScope is what a filter sees: the node it tests (@) and the
// document's root ($).
type filterScope struct {
	current, root any
}

type orExpr struct{ left, right filterExpr }
type andExpr struct{ left, right filterExpr }
type notExpr struct{ inner filterExpr }
type existsExpr struct{ operand operand }
type compareExpr struct {
	op          string
	left, right operand
}

func (e orExpr) test(f filterScope) bool  { return e.left.test(f) || e.right.test(f) }
func (e andExpr) test(f filterScope) bool { return e.left.test(f) && e.right.test(f) }
func (e notExpr) test(f filterScope) bool { return !e.inner.test(f) }
func (e existsExpr) test(f filterScope) bool {
	_, found := e.operand.value(f)
	return found
}

// operand is one side of a comparison: a literal, a path from @ or $, a
// regular expression or a list.
type operand struct {
	literal any
	path    *path
	regex   *regexp.Regexp
	list    []operand
	isList  bool
}

func (o operand) value(f filterScope) (any, bool) {
	switch {
	case o.path != nil:
		from := f.root
		if o.path.root == rootCurrent {
			from = f.current
		}
		return o.path.lookup(from)
	case o.isList:
		out := make([]any, 0, len(o.list))
		for _, e := range o.list {
			v, _ := e.value(f)
			out = append(out, v)
		}
		return out, true
	}
	return o.literal, true
}

func (e compareExpr) test(f filterScope) bool {
	left, leftFound := e.left.value(f)
	if e.op == "=~" {
		s, ok := left.(string)
		return leftFound && ok && e.right.regex.MatchString(s)
	}
	right, rightFound := e.right.value(f)
	found := leftFound && rightFound
	switch e.op {
	case "==":
		return found && equalJSON(left, right)
	case "!=":
		return !(found && equalJSON(left, right))
	case "in", "nin":
		in := false
		if list, ok := right.([]any); found && ok {
			for _, v := range list {
				if equalJSON(left, v) {
					in = true
					break
				}
			}
		}
		return in == (e.op == "in")
	}
	if !found {
		return false
	}
	var c int
	if ls, ok := left.(string); ok {
		rs, ok := right.(string)
		if !ok {
			return false
		}
		c = strings.Compare(ls, rs)
	} else {
		var ok bool
		if c, ok = compareNumbers(left, right); !ok {
			return false
		}
	}
	switch e.op {
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	default: // >=
		return c >= 0
	}
}

func (p *parser) filterOr() (filterExpr, error) {
	left, err := p.filterAnd()
	if err != nil {
		return nil, err
	}
	for p.skipSpace(); strings.HasPrefix(p.s[p.pos:], "||"); p.skipSpace() {
		p.pos += 2
		right, err := p.filterAnd()
		if err != nil {
			return nil, err
		}
		left = orExpr{left, right}
	}
	return left, nil
}

func (p *parser) filterAnd() (filterExpr, error) {
	left, err := p.filterUnary()
	if err != nil {
		return nil, err
	}
	for p.skipSpace(); strings.HasPrefix(p.s[p.pos:], "&&"); p.skipSpace() {
		p.pos += 2
		right, err := p.filterUnary()
		if err != nil {
			return nil, err
		}
		left = andExpr{left, right}
	}
	return left, nil
}

func (p *parser) filterUnary() (filterExpr, error) {
	p.skipSpace()
	switch {
	case p.peek() == '!' && !strings.HasPrefix(p.s[p.pos:], "!="):
		p.pos++
		inner, err := p.filterUnary()
		if err != nil {
			return nil, err
		}
		return notExpr{inner}, nil
	case p.peek() == '(':
		p.pos++
		inner, err := p.filterOr()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.peek() != ')' {
			return nil, p.errorf("a parenthesis in the filter is not closed (offset %d)", p.pos)
		}
		p.pos++
		return inner, nil
	}
	return p.comparison()
}

// comparisonOps are tried in order, so that <= is not read as <.
var comparisonOps = []string{"==", "!=", "<=", ">=", "=~", "<", ">", "in ", "nin "}

var unsupportedOps = []string{"subsetof", "anyof", "noneof", "size", "empty", "contains"}

func (p *parser) comparison() (filterExpr, error) {
	left, err := p.operand()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	op := ""
	for _, candidate := range comparisonOps {
		if strings.HasPrefix(p.s[p.pos:], candidate) {
			op = strings.TrimSpace(candidate)
			p.pos += len(op)
			break
		}
	}
	if op == "" {
		for _, unsupported := range unsupportedOps {
			if strings.HasPrefix(p.s[p.pos:], unsupported) {
				return nil, p.errorf("the filter operator %s is not supported; use ==, !=, <, <=, >, >=, =~, in or nin", unsupported)
			}
		}
		if left.path == nil {
			return nil, p.errorf("a filter term must be a comparison or a path (offset %d)", p.pos)
		}
		return existsExpr{left}, nil
	}
	p.skipSpace()
	if op == "=~" {
		re, err := p.regex()
		if err != nil {
			return nil, err
		}
		return compareExpr{op: op, left: left, right: operand{regex: re}}, nil
	}
	right, err := p.operand()
	if err != nil {
		return nil, err
	}
	return compareExpr{op: op, left: left, right: right}, nil
}

func (p *parser) operand() (operand, error) {
	p.skipSpace()
	switch c := p.peek(); {
	case c == '@' || c == '$':
		path, err := p.path()
		if err != nil {
			return operand{}, err
		}
		if path.root == rootContext || path.root == rootVariable {
			return operand{}, p.errorf("a filter may refer to @ and $ only, not %s", path.text)
		}
		return operand{path: path}, nil
	case c == '\'' || c == '"':
		s, err := p.quoted()
		return operand{literal: s}, err
	case c == '[':
		return p.listOperand()
	case c == '-' || (c >= '0' && c <= '9'):
		n, err := p.number()
		return operand{literal: n}, err
	}
	for word, value := range map[string]any{"true": true, "false": false, "null": nil} {
		if strings.HasPrefix(p.s[p.pos:], word) {
			p.pos += len(word)
			return operand{literal: value}, nil
		}
	}
	return operand{}, p.errorf("unexpected %q in the filter at offset %d", p.rest(), p.pos)
}

func (p *parser) listOperand() (operand, error) {
	p.pos++ // [
	out := operand{isList: true}
	for {
		p.skipSpace()
		if p.peek() == ']' && len(out.list) == 0 {
			p.pos++
			return out, nil
		}
		element, err := p.operand()
		if err != nil {
			return operand{}, err
		}
		out.list = append(out.list, element)
		p.skipSpace()
		switch p.peek() {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return out, nil
		default:
			return operand{}, p.errorf("a list in the filter is not closed (offset %d)", p.pos)
		}
	}
}

// number reads a JSON number literal; the caller has seen '-' or a digit.
func (p *parser) number() (json.Number, error) {
	start := p.pos
	if p.peek() == '-' {
		p.pos++
	}
	for p.pos < len(p.s) && strings.IndexByte("0123456789.eE+-", p.s[p.pos]) >= 0 {
		if (p.s[p.pos] == '+' || p.s[p.pos] == '-') && !(p.s[p.pos-1] == 'e' || p.s[p.pos-1] == 'E') {
			break
		}
		p.pos++
	}
	text := p.s[start:p.pos]
	if !json.Valid([]byte(text)) {
		return "", p.errorf("%q is not a number (offset %d)", text, start)
	}
	return json.Number(text), nil
}

// regex reads /pattern/flags. Jayway matches the whole string (Java's
// Matcher.matches), so the pattern is anchored.
func (p *parser) regex() (*regexp.Regexp, error) {
	if p.peek() != '/' {
		return nil, p.errorf("=~ takes a regular expression written /pattern/ (offset %d)", p.pos)
	}
	start := p.pos
	p.pos++
	var pattern strings.Builder
	for {
		if p.pos >= len(p.s) {
			return nil, p.errorf("the regular expression opened at offset %d is not closed", start)
		}
		c := p.s[p.pos]
		if c == '\\' && p.pos+1 < len(p.s) && p.s[p.pos+1] == '/' {
			pattern.WriteByte('/')
			p.pos += 2
			continue
		}
		p.pos++
		if c == '/' {
			break
		}
		pattern.WriteByte(c)
	}
	flags := ""
	// Go's regexp has Java's i, m and s flags; x and the others are refused.
	for p.pos < len(p.s) && strings.IndexByte("ims", p.s[p.pos]) >= 0 {
		flags += string(p.s[p.pos])
		p.pos++
	}
	expr := "^(?:" + pattern.String() + ")$"
	if flags != "" {
		expr = "(?" + flags + ")" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, p.errorf("the regular expression /%s/ is not valid: %v", pattern.String(), err)
	}
	return re, nil
}
