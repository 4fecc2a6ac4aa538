package jsonpath

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// root is what a path starts from.
type root int

const (
	rootInput    root = iota // $: the state's input (or the document given)
	rootContext              // $$: the context object
	rootVariable             // $name: a variable (JSONPath states with Assign)
	rootCurrent              // @: the node a filter tests
)

// path is a parsed path: where it starts and the steps from there.
type path struct {
	text     string
	root     root
	variable string // the name after $ when root is rootVariable
	steps    []step
	function *pathFunction // a Jayway function at the end, or nil
	// prefixDefinite[i] says whether every step before i selects at most one
	// node: Jayway reports a missing property or a wrong type only there.
	prefixDefinite []bool
}

type selector int

const (
	selNames    selector = iota // ['a'] or .a, or a list ['a','b']
	selWildcard                 // .* or [*]
	selIndexes                  // [0] or a list [0,2]
	selSlice                    // [1:3]
	selFilter                   // [?(...)]
)

type step struct {
	sel     selector
	deep    bool // reached through "..": applies at every depth
	names   []string
	indexes []int
	from    *int // slice bounds; nil when left out
	to      *int
	filter  filterExpr
	source  string // the filter's text, for messages
}

// definite says whether the step selects at most one node from one node.
func (s step) definite() bool {
	if s.deep {
		return false
	}
	return (s.sel == selNames && len(s.names) == 1) || (s.sel == selIndexes && len(s.indexes) == 1)
}

// definite says whether the path yields a value rather than a list. A list
// of names in the last step is definite in Jayway: it yields one object
// holding those names.
func (p *path) definite() bool {
	if p.function != nil {
		return true
	}
	for i, s := range p.steps {
		last := i == len(p.steps)-1
		if !s.definite() && !(last && !s.deep && s.sel == selNames) {
			return false
		}
	}
	return true
}

// reference says whether the path is a Reference Path: names and single
// indexes only.
func (p *path) reference() bool {
	if p.function != nil {
		return false
	}
	for _, s := range p.steps {
		if !s.definite() {
			return false
		}
	}
	return true
}

// fragment is the Jayway notation of a step, as Jayway's messages show it.
func (s step) fragment() string {
	var b strings.Builder
	if s.deep {
		b.WriteString("..")
	}
	switch s.sel {
	case selNames:
		quoted := make([]string, len(s.names))
		for i, n := range s.names {
			quoted[i] = "'" + n + "'"
		}
		b.WriteString("[" + strings.Join(quoted, ",") + "]")
	case selWildcard:
		b.WriteString("[*]")
	case selIndexes:
		nums := make([]string, len(s.indexes))
		for i, n := range s.indexes {
			nums[i] = strconv.Itoa(n)
		}
		b.WriteString("[" + strings.Join(nums, ",") + "]")
	case selSlice:
		b.WriteString("[")
		if s.from != nil {
			b.WriteString(strconv.Itoa(*s.from))
		}
		b.WriteString(":")
		if s.to != nil {
			b.WriteString(strconv.Itoa(*s.to))
		}
		b.WriteString("]")
	case selFilter:
		b.WriteString("[?(" + s.source + ")]")
	}
	return b.String()
}

// normalized is the path in Jayway's bracket notation ($['a'][0]).
func (p *path) normalized() string {
	var b strings.Builder
	b.WriteString("$")
	for _, s := range p.steps {
		b.WriteString(s.fragment())
	}
	return b.String()
}

// parser reads paths, filters and intrinsic calls from one string.
type parser struct {
	s   string
	pos int
}

func (p *parser) errorf(format string, args ...any) error {
	return &DefinitionError{msg: fmt.Sprintf(format, args...)}
}

func (p *parser) peek() byte {
	if p.pos < len(p.s) {
		return p.s[p.pos]
	}
	return 0
}

func (p *parser) skipSpace() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t' || p.s[p.pos] == '\n' || p.s[p.pos] == '\r') {
		p.pos++
	}
}

// parsePath reads a whole string as a path on the input, the context
// object or a variable.
func parsePath(text string) (*path, error) {
	p := &parser{s: text}
	parsed, err := p.path()
	if err != nil {
		return nil, fmt.Errorf("invalid path %q: %w", text, err)
	}
	if p.pos != len(text) {
		return nil, &DefinitionError{msg: fmt.Sprintf("invalid path %q: unexpected %q at offset %d", text, text[p.pos:], p.pos)}
	}
	if parsed.root == rootCurrent {
		return nil, &DefinitionError{msg: fmt.Sprintf("invalid path %q: @ may appear only inside a filter", text)}
	}
	return parsed, nil
}

// path reads a path at the parser's position and stops where the path
// grammar stops, so that a path can sit inside an intrinsic call or a
// filter.
func (p *parser) path() (*path, error) {
	start := p.pos
	out := &path{}
	switch {
	case strings.HasPrefix(p.s[p.pos:], "$$"):
		out.root = rootContext
		p.pos += 2
	case strings.HasPrefix(p.s[p.pos:], "$"):
		p.pos++
		name := p.variableName()
		if name != "" {
			out.root = rootVariable
			out.variable = name
		}
	case strings.HasPrefix(p.s[p.pos:], "@"):
		out.root = rootCurrent
		p.pos++
	default:
		return nil, p.errorf("a path starts with $ (the input), $$ (the context object) or $name (a variable)")
	}
	for p.pos < len(p.s) && (p.peek() == '.' || p.peek() == '[') {
		if f, ok := p.function(); ok {
			out.function = f
			break
		}
		s, err := p.step()
		if err != nil {
			return nil, err
		}
		out.steps = append(out.steps, s)
	}
	out.text = p.s[start:p.pos]
	out.prefixDefinite = make([]bool, len(out.steps))
	definite := true
	for i, s := range out.steps {
		out.prefixDefinite[i] = definite
		definite = definite && s.definite()
	}
	return out, nil
}

// function reads ".name()" when it ends the path: a Jayway function.
func (p *parser) function() (*pathFunction, bool) {
	rest := p.s[p.pos:]
	if !strings.HasPrefix(rest, ".") {
		return nil, false
	}
	open := strings.Index(rest, "()")
	if open < 0 {
		return nil, false
	}
	f, ok := pathFunctions[rest[1:open]]
	if !ok {
		return nil, false
	}
	end := p.pos + open + 2
	if end < len(p.s) && (p.s[end] == '.' || p.s[end] == '[') {
		return nil, false
	}
	p.pos = end
	return &f, true
}

// variableName reads the name after $ in a variable reference: a letter or
// underscore, then letters, digits and underscores.
func (p *parser) variableName() string {
	start := p.pos
	for p.pos < len(p.s) {
		r, size := utf8.DecodeRuneInString(p.s[p.pos:])
		if !(r == '_' || unicode.IsLetter(r) || (p.pos > start && unicode.IsDigit(r))) {
			break
		}
		p.pos += size
	}
	return p.s[start:p.pos]
}

func (p *parser) step() (step, error) {
	if strings.HasPrefix(p.s[p.pos:], "..") {
		p.pos += 2
		var s step
		var err error
		switch p.peek() {
		case '[':
			s, err = p.bracket()
		case '*':
			p.pos++
			s = step{sel: selWildcard}
		default:
			s, err = p.dotName()
		}
		s.deep = true
		return s, err
	}
	if p.peek() == '[' {
		return p.bracket()
	}
	p.pos++ // the dot
	if p.peek() == '[' {
		// $.[?(@.year < 1999)]: Jayway takes the dot before brackets, and
		// Step Functions runs such paths (LocalStack's recorded tests).
		return p.bracket()
	}
	if p.peek() == '*' {
		p.pos++
		return step{sel: selWildcard}, nil
	}
	return p.dotName()
}

// nameStop holds the characters that end a name in dot notation: path
// punctuation, and what may follow a path in a filter or an intrinsic call.
// A field whose name holds one of them needs bracket notation.
const nameStop = ".[]()'\",<>=!&|~ \t\r\n"

func (p *parser) dotName() (step, error) {
	start := p.pos
	for p.pos < len(p.s) && !strings.ContainsRune(nameStop, rune(p.s[p.pos])) {
		p.pos++
	}
	if p.pos == start {
		return step{}, p.errorf("a field name is missing at offset %d", start)
	}
	if p.peek() == '(' {
		name := p.s[start:p.pos]
		if _, known := pathFunctions[name]; known {
			return step{}, p.errorf("%s() must end the path", name)
		}
		return step{}, p.errorf("%s() is not supported; the path functions are %s, at the end of a path", name, pathFunctionNames())
	}
	return step{sel: selNames, names: []string{p.s[start:p.pos]}}, nil
}

func (p *parser) bracket() (step, error) {
	open := p.pos
	p.pos++
	p.skipSpace()
	var s step
	var err error
	switch c := p.peek(); {
	case p.pos >= len(p.s):
		return step{}, p.errorf("the bracket opened at offset %d is not closed", open)
	case c == '*':
		p.pos++
		s = step{sel: selWildcard}
	case c == '\'' || c == '"':
		s, err = p.quotedNames()
	case c == '?':
		s, err = p.filterStep()
	case c == '-' || c == ':' || (c >= '0' && c <= '9'):
		s, err = p.indexesOrSlice()
	case c == '(':
		return step{}, p.errorf("script expressions [(...)] are not supported (offset %d)", open)
	default:
		return step{}, p.errorf("unexpected %q in brackets at offset %d: expected *, 'name', an index, a slice or ?(filter)", string(c), p.pos)
	}
	if err != nil {
		return step{}, err
	}
	p.skipSpace()
	if p.peek() != ']' {
		return step{}, p.errorf("the bracket opened at offset %d is not closed", open)
	}
	p.pos++
	return s, nil
}

func (p *parser) quotedNames() (step, error) {
	s := step{sel: selNames}
	for {
		name, err := p.quoted()
		if err != nil {
			return step{}, err
		}
		s.names = append(s.names, name)
		p.skipSpace()
		if p.peek() != ',' {
			return s, nil
		}
		p.pos++
		p.skipSpace()
	}
}

// quoted reads a '...' or "..." string; a backslash takes the next
// character as it is.
func (p *parser) quoted() (string, error) {
	quote := p.peek()
	if quote != '\'' && quote != '"' {
		return "", p.errorf("expected a quoted name at offset %d", p.pos)
	}
	start := p.pos
	p.pos++
	var b strings.Builder
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch {
		case c == '\\' && p.pos+1 < len(p.s):
			b.WriteByte(p.s[p.pos+1])
			p.pos += 2
		case c == quote:
			p.pos++
			return b.String(), nil
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return "", p.errorf("the string opened at offset %d is not closed", start)
}

func (p *parser) integer() (int, bool) {
	start := p.pos
	if p.peek() == '-' {
		p.pos++
	}
	for p.pos < len(p.s) && p.s[p.pos] >= '0' && p.s[p.pos] <= '9' {
		p.pos++
	}
	n, err := strconv.Atoi(p.s[start:p.pos])
	if err != nil {
		p.pos = start
		return 0, false
	}
	return n, true
}

func (p *parser) indexesOrSlice() (step, error) {
	start := p.pos
	var from *int
	if n, ok := p.integer(); ok {
		from = &n
	}
	p.skipSpace()
	if p.peek() == ':' {
		p.pos++
		p.skipSpace()
		s := step{sel: selSlice, from: from}
		if n, ok := p.integer(); ok {
			s.to = &n
		}
		p.skipSpace()
		if p.peek() == ':' {
			return step{}, p.errorf("slice steps ([from:to:step]) are not supported (offset %d)", start)
		}
		return s, nil
	}
	if from == nil {
		return step{}, p.errorf("an array index must be an integer (offset %d)", start)
	}
	s := step{sel: selIndexes, indexes: []int{*from}}
	for p.peek() == ',' {
		p.pos++
		p.skipSpace()
		n, ok := p.integer()
		if !ok {
			return step{}, p.errorf("an array index must be an integer (offset %d)", p.pos)
		}
		s.indexes = append(s.indexes, n)
		p.skipSpace()
	}
	return s, nil
}

func (p *parser) filterStep() (step, error) {
	p.pos++ // ?
	p.skipSpace()
	if p.peek() != '(' {
		return step{}, p.errorf("a filter is written [?(expression)] (offset %d)", p.pos)
	}
	p.pos++
	start := p.pos
	expr, err := p.filterOr()
	if err != nil {
		return step{}, err
	}
	p.skipSpace()
	if p.peek() != ')' {
		return step{}, p.errorf("unexpected %q in the filter at offset %d", p.rest(), p.pos)
	}
	source := strings.TrimSpace(p.s[start:p.pos])
	p.pos++
	return step{sel: selFilter, filter: expr, source: source}, nil
}

// rest is what is left to read, shortened for a message.
func (p *parser) rest() string {
	r := p.s[p.pos:]
	if len(r) > 20 {
		r = r[:20] + "…"
	}
	return r
}
