package value

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// ErrMoreThanOne is Decode's error for text holding more than one value.
var ErrMoreThanOne = errors.New("the text holds more than one JSON value")

// Decode reads one JSON document into the engine's values: numbers as
// json.Number (digits kept as written), objects as *Object in document
// order, strings as strings.go describes (a lone surrogate escape is kept).
// encoding/json checks the text, so Decode accepts what it accepts and
// reports its errors; parse then reads the checked text.
func Decode(data []byte) (any, error) {
	if json.Valid(data) { // one value, checked; the decoder below says what is wrong otherwise
		v, _ := parse(skipSpace(data))
		return v, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		if err == io.EOF {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, ErrMoreThanOne
	}
	v, _ := parse(raw)
	return v, nil
}

// parse reads the value at the start of text, which encoding/json has
// checked, and returns it with the text after it.
func parse(text []byte) (any, []byte) {
	text = skipSpace(text)
	switch text[0] {
	case '{':
		o := NewObject(4)
		text = skipSpace(text[1:])
		for text[0] != '}' {
			var k string
			k, text = parseString(text)
			text = skipSpace(text)[1:] // ':'
			var v any
			v, text = parse(text)
			o.Set(k, v)
			if text = skipSpace(text); text[0] == ',' {
				text = skipSpace(text[1:])
			}
		}
		return o, text[1:]
	case '[':
		a := []any{}
		text = skipSpace(text[1:])
		for text[0] != ']' {
			var v any
			v, text = parse(text)
			a = append(a, v)
			if text = skipSpace(text); text[0] == ',' {
				text = skipSpace(text[1:])
			}
		}
		return a, text[1:]
	case '"':
		return parseString(text)
	case 't':
		return true, text[len("true"):]
	case 'f':
		return false, text[len("false"):]
	case 'n':
		return nil, text[len("null"):]
	}
	end := 0
	for end < len(text) && strings.IndexByte("+-.0123456789eE", text[end]) >= 0 {
		end++
	}
	return json.Number(text[:end]), text[end:]
}

func skipSpace(text []byte) []byte {
	for len(text) > 0 && (text[0] == ' ' || text[0] == '\t' || text[0] == '\n' || text[0] == '\r') {
		text = text[1:]
	}
	return text
}

// UnmarshalJSON reads a JSON object, keeping its order.
func (o *Object) UnmarshalJSON(data []byte) error {
	v, err := Decode(data)
	if err != nil {
		return err
	}
	obj, ok := v.(*Object)
	if !ok {
		return fmt.Errorf("a JSON object is expected, not %.40s", data)
	}
	*o = *obj
	return nil
}

// MarshalJSON writes the members in order. Strings are not HTML-escaped
// here: json.Marshal escapes the whole output if it is asked to.
func (o *Object) MarshalJSON() ([]byte, error) {
	return Append(nil, o)
}

// Marshal is v as compact JSON, members in order, with no HTML escaping
// (as Step Functions writes values).
func Marshal(v any) ([]byte, error) {
	return Append(nil, v)
}

// Text is v as JSON text that the engine holds as a string (what
// States.JsonToString returns, a history event's input and output), as
// Java's writeValueAsString makes it: a lone surrogate stays as it is in
// the string, and Marshal escapes it when the string is written out.
func Text(v any) (string, error) {
	b, err := appendJSON(nil, v, true)
	return string(b), err
}

// Append appends v as compact JSON to buf. A map[string]any (an API
// response, a history event) is written with its names sorted, as
// encoding/json writes a map, and its strings as the engine's are; other
// values that are not the engine's (a Go struct) are written by
// encoding/json, which calls an Object's MarshalJSON.
func Append(buf []byte, v any) ([]byte, error) {
	return appendJSON(buf, v, false)
}

// appendJSON is Append, or Text's writer when keepSurrogates is set.
func appendJSON(buf []byte, v any, keepSurrogates bool) ([]byte, error) {
	switch x := v.(type) {
	case *Object:
		if x == nil {
			return append(buf, "{}"...), nil
		}
		buf = append(buf, '{')
		for i, k := range x.keys {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(appendString(buf, k, keepSurrogates), ':')
			var err error
			if buf, err = appendJSON(buf, x.values[k], keepSurrogates); err != nil {
				return nil, err
			}
		}
		return append(buf, '}'), nil
	case []any:
		buf = append(buf, '[')
		for i, e := range x {
			if i > 0 {
				buf = append(buf, ',')
			}
			var err error
			if buf, err = appendJSON(buf, e, keepSurrogates); err != nil {
				return nil, err
			}
		}
		return append(buf, ']'), nil
	case map[string]any:
		if x == nil {
			return append(buf, "null"...), nil // as encoding/json writes it
		}
		buf = append(buf, '{')
		for i, k := range slices.Sorted(maps.Keys(x)) {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(appendString(buf, k, keepSurrogates), ':')
			var err error
			if buf, err = appendJSON(buf, x[k], keepSurrogates); err != nil {
				return nil, err
			}
		}
		return append(buf, '}'), nil
	}
	return appendPlain(buf, v, keepSurrogates)
}

// appendPlain writes a value that is not a container: strings as
// appendString does, the rest by encoding/json, without HTML escaping.
func appendPlain(buf []byte, v any, keepSurrogates bool) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(buf, "null"...), nil
	case bool:
		if x {
			return append(buf, "true"...), nil
		}
		return append(buf, "false"...), nil
	case string:
		return appendString(buf, x, keepSurrogates), nil
	}
	w := bytes.NewBuffer(buf)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	out := w.Bytes()
	return out[:len(out)-1], nil // Encode ends with a newline
}

// From is v as the engine's values: a json.RawMessage is decoded (its
// objects keep their order); values already the engine's are copied as
// they are; anything else is written by encoding/json and read back, so a
// Go map comes in with its keys sorted (it has no order) and a struct in
// its fields' order.
func From(v any) (any, error) {
	if raw, ok := v.(json.RawMessage); ok {
		return Decode(raw)
	}
	if copied, ok := copyOf(v); ok {
		return copied, nil
	}
	text, err := Marshal(v)
	if err != nil {
		return nil, err
	}
	return Decode(text)
}

// copyOf deep-copies v if it is made of the engine's values only, as
// Decode makes them: nil, bool, valid UTF-8 strings, valid json.Numbers,
// *Object and []any. Anything else (a Go map, an int, a string a JSON round
// trip would change) is not copied: From writes and reads it back.
func copyOf(v any) (any, bool) {
	switch v := v.(type) {
	case nil, bool:
		return v, true
	case string:
		return v, utf8.ValidString(v)
	case json.Number:
		return v, isNumber(v)
	case *Object:
		c := NewObject(v.Len())
		for key, field := range v.All() {
			copied, ok := copyOf(field)
			if !ok || !utf8.ValidString(key) {
				return nil, false
			}
			c.Set(key, copied)
		}
		return c, true
	case []any:
		c := make([]any, len(v))
		for i, item := range v {
			copied, ok := copyOf(item)
			if !ok {
				return nil, false
			}
			c[i] = copied
		}
		return c, true
	}
	return nil, false
}

// isNumber tells whether n is a JSON number, with nothing around it.
func isNumber(n json.Number) bool {
	isDigit := func(b byte) bool { return '0' <= b && b <= '9' }
	return n != "" && (n[0] == '-' || isDigit(n[0])) && isDigit(n[len(n)-1]) && json.Valid([]byte(n))
}
