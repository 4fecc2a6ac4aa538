package value

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// ErrMoreThanOne is Decode's error for text holding more than one value.
var ErrMoreThanOne = errors.New("the text holds more than one JSON value")

// Decode reads one JSON document into the engine's values: numbers as
// json.Number (digits kept as written), objects as *Object in document
// order.
func Decode(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decode(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, ErrMoreThanOne
	}
	return v, nil
}

func decode(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := NewObject(4)
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := decode(dec)
				if err != nil {
					return nil, err
				}
				o.Set(k.(string), v)
			}
			_, err := dec.Token() // '}'
			return o, err
		case '[':
			a := []any{}
			for dec.More() {
				v, err := decode(dec)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			_, err := dec.Token() // ']'
			return a, err
		}
		return nil, fmt.Errorf("invalid JSON: unexpected %v", t)
	}
	return tok, nil // nil, bool, json.Number, string
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

// Append appends v as compact JSON to buf. Values that are not the
// engine's (a Go struct, a map) are written by encoding/json.
func Append(buf []byte, v any) ([]byte, error) {
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
			var err error
			if buf, err = appendPlain(buf, k); err != nil {
				return nil, err
			}
			buf = append(buf, ':')
			if buf, err = Append(buf, x.values[k]); err != nil {
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
			if buf, err = Append(buf, e); err != nil {
				return nil, err
			}
		}
		return append(buf, ']'), nil
	}
	return appendPlain(buf, v)
}

// appendPlain writes a value encoding/json knows, without HTML escaping.
func appendPlain(buf []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(buf, "null"...), nil
	case bool:
		if x {
			return append(buf, "true"...), nil
		}
		return append(buf, "false"...), nil
	case string:
		if plainASCII(x) {
			buf = append(buf, '"')
			buf = append(buf, x...)
			return append(buf, '"'), nil
		}
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

// plainASCII says whether s needs no escaping in JSON.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// From is v as the engine's values: a json.RawMessage is decoded (its
// objects keep their order); anything else is written by encoding/json and
// read back, so a Go map comes in with its keys sorted (it has no order),
// a struct in its fields' order, and values already the engine's are
// copied as they are.
func From(v any) (any, error) {
	if raw, ok := v.(json.RawMessage); ok {
		return Decode(raw)
	}
	text, err := Marshal(v)
	if err != nil {
		return nil, err
	}
	return Decode(text)
}
