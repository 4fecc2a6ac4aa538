package jsonpath

import (
	"fmt"
	"strings"
)

// maxIntrinsicCalls is the developer guide's limit: "You can nest up to 10
// intrinsic functions within a field".
const maxIntrinsicCalls = 10

// call is a parsed intrinsic function call such as
// States.Format('{} items', States.ArrayLength($.items)).
type call struct {
	fn   *function
	args []argument
}

// argument is one argument of a call: a literal, a path or another call.
type argument struct {
	literal   any
	isLiteral bool
	format    *formatString // a string literal, with its {} placeholders
	path      *path
	call      *call
	text      string // as written, for messages
}

// formatString is a string literal and where its unescaped {} are: only
// those are States.Format placeholders, \{ and \} are plain braces.
type formatString struct {
	text         string
	placeholders []int
}

// IsIntrinsic says whether a ".$" value is an intrinsic function call
// rather than a path.
func IsIntrinsic(value string) bool {
	return strings.HasPrefix(strings.TrimSpace(value), "States.")
}

// ValidateIntrinsic parses an intrinsic function call when a definition
// loads: the function names, the number of arguments, the literal
// arguments' types, the paths, and the limit of 10 calls in one field.
func ValidateIntrinsic(expression string) error {
	_, err := parseIntrinsic(expression)
	return err
}

func parseIntrinsic(expression string) (*call, error) {
	p := &parser{s: expression}
	p.skipSpace()
	calls := 0
	c, err := p.call(&calls)
	if err == nil {
		p.skipSpace()
		if p.pos != len(p.s) {
			err = p.errorf("unexpected %q after the call at offset %d", p.rest(), p.pos)
		}
	}
	if err == nil && calls > maxIntrinsicCalls {
		err = p.errorf("%d intrinsic functions in one field; the limit is %d", calls, maxIntrinsicCalls)
	}
	if err != nil {
		return nil, &DefinitionError{msg: fmt.Sprintf("invalid intrinsic function call %q: %v", expression, err)}
	}
	return c, nil
}

func (p *parser) call(calls *int) (*call, error) {
	*calls++
	start := p.pos
	for p.pos < len(p.s) && (isIdentByte(p.s[p.pos]) || p.s[p.pos] == '.') {
		p.pos++
	}
	name := p.s[start:p.pos]
	fn, ok := functions[name]
	if !ok {
		return nil, p.errorf("%q is not an intrinsic function; they are %s", name, strings.Join(functionNames(), ", "))
	}
	p.skipSpace()
	if p.peek() != '(' {
		return nil, p.errorf("%s must be followed by (arguments)", name)
	}
	p.pos++
	c := &call{fn: fn}
	p.skipSpace()
	if p.peek() == ')' {
		p.pos++
	} else {
		for {
			a, err := p.argument(calls)
			if err != nil {
				return nil, err
			}
			c.args = append(c.args, a)
			p.skipSpace()
			if p.peek() == ')' {
				p.pos++
				break
			}
			if p.peek() != ',' {
				return nil, p.errorf("expected , or ) after an argument of %s at offset %d", name, p.pos)
			}
			p.pos++
		}
	}
	if err := fn.checkStatic(c.args); err != nil {
		return nil, err
	}
	return c, nil
}

func isIdentByte(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

func (p *parser) argument(calls *int) (argument, error) {
	p.skipSpace()
	start := p.pos
	var a argument
	var err error
	switch c := p.peek(); {
	case c == '\'':
		a.format, err = p.intrinsicString()
		if err == nil {
			a.literal, a.isLiteral = a.format.text, true
		}
	case c == '$':
		a.path, err = p.path()
	case c == '-' || (c >= '0' && c <= '9'):
		a.literal, err = p.number()
		a.isLiteral = true
	case strings.HasPrefix(p.s[p.pos:], "States."):
		a.call, err = p.call(calls)
	default:
		matched := false
		// No null: the intrinsic grammar has string, number and boolean
		// literals only.
		for _, word := range []string{"true", "false"} {
			if strings.HasPrefix(p.s[p.pos:], word) && (p.pos+len(word) == len(p.s) || !isIdentByte(p.s[p.pos+len(word)])) {
				p.pos += len(word)
				a.literal, a.isLiteral, matched = word == "true", true, true
				break
			}
		}
		if !matched {
			err = p.errorf("unexpected %q at offset %d: an argument is a 'string', a number, true, false, a path or an intrinsic function call", p.rest(), p.pos)
		}
	}
	a.text = p.s[start:p.pos]
	return a, err
}

// intrinsicString reads a '...' literal with the escapes the developer
// guide reserves: \' \{ \} \\. Any other backslash is an error, as in AWS:
// "If an open escape backslash \ is found in the intrinsic invocation
// string, the interpreter will throw a runtime error."
func (p *parser) intrinsicString() (*formatString, error) {
	start := p.pos
	p.pos++
	out := &formatString{}
	var b strings.Builder
	lastOpen := -1 // where the last unescaped { was written
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch c {
		case '\\':
			if p.pos+1 >= len(p.s) || !strings.ContainsRune(`'{}\\`, rune(p.s[p.pos+1])) {
				return nil, p.errorf("open escape backslash at offset %d: only \\', \\{, \\} and \\\\ are escapes", p.pos)
			}
			b.WriteByte(p.s[p.pos+1])
			p.pos += 2
			continue
		case '\'':
			p.pos++
			out.text = b.String()
			return out, nil
		case '{':
			lastOpen = b.Len()
		case '}':
			// A placeholder is an unescaped { written just before.
			if lastOpen >= 0 && lastOpen == b.Len()-1 {
				out.placeholders = append(out.placeholders, lastOpen)
			}
		}
		b.WriteByte(c)
		p.pos++
	}
	return nil, p.errorf("the string opened at offset %d is not closed", start)
}
