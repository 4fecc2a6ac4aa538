package jsonpath

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"maps"
	"math"
	mathrand "math/rand/v2"
	"slices"
	"strings"
	"unicode/utf16"

	"stepfunctions-go/internal/asl/stateserror"
	"stepfunctions-go/internal/asl/value"
)

// The limits the developer guide's "Intrinsic functions" page sets.
const (
	maxRangeItems   = 1000  // States.ArrayRange: "can't contain more than 1000 items"
	maxEncodedChars = 10000 // States.Base64Encode: "up to 10,000 characters"
	maxDecodedChars = 10000 // States.Base64Decode: "up to 10,000 characters"
	maxHashedChars  = 10000 // States.Hash's input
)

// param is what an argument must be: a phrase for messages and the test.
type param struct {
	want string
	ok   func(any) bool
}

// function is one intrinsic: its parameters (the last `optional` of them
// may be left out, `variadic` takes any number after them) and its body.
type function struct {
	name     string
	params   []param
	optional int
	variadic *param
	pathArg  bool // its one argument must be a path (States.JsonToString)
	run      func(args []any, env runEnv) (any, error)
}

// runEnv is what a call may need besides its arguments' values.
type runEnv struct {
	entropy io.Reader
	// template is States.Format's first argument with its placeholders:
	// a literal's \{ is a brace, not half of a placeholder.
	template *formatString
}

var (
	anyValue   = param{"any JSON value", func(any) bool { return true }}
	aString    = param{"a string", func(v any) bool { _, ok := v.(string); return ok }}
	anArray    = param{"an array", func(v any) bool { _, ok := v.([]any); return ok }}
	anObject   = param{"an object", func(v any) bool { _, ok := v.(*value.Object); return ok }}
	aNumber    = param{"a number", func(v any) bool { _, ok := asFloat(v); return ok }}
	anInteger  = param{"an integer", func(v any) bool { _, ok := asInteger(v); return ok }}
	aPositive  = param{"a positive integer", func(v any) bool { n, ok := asInteger(v); return ok && n > 0 }}
	aNonZero   = param{"a non-zero integer", func(v any) bool { n, ok := asInteger(v); return ok && n != 0 }}
	anIndex    = param{"a non-negative integer", func(v any) bool { n, ok := asInteger(v); return ok && n >= 0 }}
	falseValue = param{"false (deep merging is not supported)", func(v any) bool { b, ok := v.(bool); return ok && !b }}
)

var functions = map[string]*function{}

func init() {
	for _, f := range []*function{
		{name: "States.Format", params: []param{aString}, variadic: &anyValue, run: format},
		{name: "States.StringToJson", params: []param{aString}, run: stringToJSON},
		{name: "States.JsonToString", params: []param{anyValue}, pathArg: true, run: func(a []any, _ runEnv) (any, error) { return toJSON(a[0]), nil }},
		{name: "States.Array", variadic: &anyValue, run: func(a []any, _ runEnv) (any, error) { return append([]any{}, a...), nil }},
		{name: "States.ArrayPartition", params: []param{anArray, aPositive}, run: arrayPartition},
		{name: "States.ArrayContains", params: []param{anArray, anyValue}, run: arrayContains},
		{name: "States.ArrayRange", params: []param{anInteger, anInteger, aNonZero}, run: arrayRange},
		{name: "States.ArrayGetItem", params: []param{anArray, anIndex}, run: arrayGetItem},
		{name: "States.ArrayLength", params: []param{anArray}, run: func(a []any, _ runEnv) (any, error) { return numberOf(int64(len(a[0].([]any)))), nil }},
		{name: "States.ArrayUnique", params: []param{anArray}, run: arrayUnique},
		{name: "States.Base64Encode", params: []param{aString}, run: base64Encode},
		{name: "States.Base64Decode", params: []param{aString}, run: base64Decode},
		{name: "States.Hash", params: []param{aString, aString}, run: hashOf},
		{name: "States.JsonMerge", params: []param{anObject, anObject, falseValue}, run: jsonMerge},
		{name: "States.MathRandom", params: []param{aNumber, aNumber, aNumber}, optional: 1, run: mathRandom},
		{name: "States.MathAdd", params: []param{aNumber, aNumber}, run: mathAdd},
		{name: "States.StringSplit", params: []param{aString, aString}, run: stringSplit},
		{name: "States.UUID", run: uuid},
	} {
		functions[f.name] = f
	}
}

func functionNames() []string {
	return slices.Sorted(maps.Keys(functions))
}

// arity says how many arguments the function takes, in words.
func (f *function) arity() string {
	switch {
	case f.variadic != nil && len(f.params) == 0:
		return "any number of arguments"
	case f.variadic != nil:
		return fmt.Sprintf("at least %d argument(s)", len(f.params))
	case f.optional > 0:
		return fmt.Sprintf("%d to %d arguments", len(f.params)-f.optional, len(f.params))
	}
	return fmt.Sprintf("exactly %d argument(s)", len(f.params))
}

func (f *function) countOK(n int) bool {
	if f.variadic != nil {
		return n >= len(f.params)
	}
	return n >= len(f.params)-f.optional && n <= len(f.params)
}

func (f *function) paramAt(i int) param {
	if i < len(f.params) {
		return f.params[i]
	}
	return *f.variadic
}

// checkStatic checks what can be known when the definition loads: the
// number of arguments and the types of the literal ones.
func (f *function) checkStatic(args []argument) error {
	if !f.countOK(len(args)) {
		return &DefinitionError{msg: fmt.Sprintf("%s takes %s, not %d", f.name, f.arity(), len(args))}
	}
	for i, a := range args {
		if f.pathArg && a.path == nil {
			return &DefinitionError{msg: fmt.Sprintf("the argument of %s must be a path, not %s", f.name, a.text)}
		}
		if a.isLiteral {
			if p := f.paramAt(i); !p.ok(a.literal) {
				return &DefinitionError{msg: fmt.Sprintf("argument %d of %s must be %s, not %s", i+1, f.name, p.want, a.text)}
			}
		}
	}
	return nil
}

// checkValues checks the arguments' values when the call runs.
func (f *function) checkValues(values []any) error {
	for i, v := range values {
		if p := f.paramAt(i); !p.ok(v) {
			return failure(f.name, "argument %d must be %s, but was %s", i+1, p.want, describe(v))
		}
	}
	return nil
}

// failure is a States.IntrinsicFailure raised by function fn.
func failure(fn, format string, args ...any) error {
	return stateserror.New(stateserror.IntrinsicFailure, "%s", "The "+fn+" function failed: "+fmt.Sprintf(format, args...))
}

// format is States.Format: each {} of the template takes the next
// argument, written as Java's toString writes the value Step Functions
// holds: strings as they are, objects as {a=1, b=[x, y]} (recorded from
// real executions in LocalStack's intrinsic-function snapshots).
func format(args []any, env runEnv) (any, error) {
	template, values := env.template, args[1:]
	if len(template.placeholders) != len(values) {
		return nil, failure("States.Format", "the template has %d {} placeholder(s) but %d argument(s) follow it", len(template.placeholders), len(values))
	}
	var b strings.Builder
	last := 0
	for i, at := range template.placeholders {
		b.WriteString(template.text[last:at])
		writeJava(&b, values[i])
		last = at + 2
	}
	b.WriteString(template.text[last:])
	return b.String(), nil
}

// writeJava writes v as Java's String.valueOf writes the Map, List,
// String, Number or Boolean Step Functions reads a JSON value into.
func writeJava(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case string:
		b.WriteString(x)
	case []any:
		b.WriteString("[")
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writeJava(b, e)
		}
		b.WriteString("]")
	case *value.Object:
		b.WriteString("{")
		for i, k := range x.Keys() {
			if i > 0 {
				b.WriteString(", ")
			}
			v, _ := x.Get(k)
			b.WriteString(k + "=")
			writeJava(b, v)
		}
		b.WriteString("}")
	default:
		b.WriteString(toJSON(x))
	}
}

// placeholdersOf finds the {} in a template that came from a path: data
// has no escapes, every {} is a placeholder.
func placeholdersOf(s string) *formatString {
	out := &formatString{text: s}
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '{' && s[i+1] == '}' {
			out.placeholders = append(out.placeholders, i)
			i++
		}
	}
	return out
}

// stringToJSON parses its argument; a blank string is null, as recorded
// from real executions.
func stringToJSON(args []any, _ runEnv) (any, error) {
	if strings.TrimSpace(args[0].(string)) == "" {
		return nil, nil
	}
	v, err := value.Decode([]byte(args[0].(string)))
	if errors.Is(err, value.ErrMoreThanOne) {
		return nil, failure("States.StringToJson", "the string holds more than one JSON value: %s", describe(args[0]))
	}
	if err != nil {
		return nil, failure("States.StringToJson", "the string is not JSON (%v): %s", err, describe(args[0]))
	}
	return v, nil
}

func arrayPartition(args []any, _ runEnv) (any, error) {
	arr := args[0].([]any)
	size, _ := asInteger(args[1])
	out := []any{}
	for start := 0; start < len(arr); start += int(min(size, int64(len(arr)))) {
		end := start + int(min(size, int64(len(arr)-start)))
		out = append(out, append([]any{}, arr[start:end]...))
	}
	return out, nil
}

func arrayContains(args []any, _ runEnv) (any, error) {
	return slices.ContainsFunc(args[0].([]any), func(v any) bool { return equalJSON(v, args[1]) }), nil
}

func arrayRange(args []any, _ runEnv) (any, error) {
	var bounds [3]int64
	for i := range bounds {
		n, err := wholeNumber("States.ArrayRange", i+1, args[i])
		if err != nil {
			return nil, err
		}
		bounds[i] = n
	}
	start, end, step := bounds[0], bounds[1], bounds[2]
	out := []any{}
	if (step > 0 && start > end) || (step < 0 && start < end) {
		return out, nil
	}
	count := (end-start)/step + 1
	if count > maxRangeItems {
		return nil, failure("States.ArrayRange", "the range from %d to %d by %d has %d items; the limit is %d", start, end, step, count, maxRangeItems)
	}
	for i := range count {
		out = append(out, numberOf(start+i*step))
	}
	return out, nil
}

func arrayGetItem(args []any, _ runEnv) (any, error) {
	arr := args[0].([]any)
	index, _ := asInteger(args[1])
	if index >= int64(len(arr)) {
		return nil, failure("States.ArrayGetItem", "index %d is out of range for an array of %d item(s)", index, len(arr))
	}
	return arr[index], nil
}

func arrayUnique(args []any, _ runEnv) (any, error) {
	out := []any{}
	for _, v := range args[0].([]any) {
		if !slices.ContainsFunc(out, func(seen any) bool { return equalJSON(seen, v) }) {
			out = append(out, v)
		}
	}
	return out, nil
}

// characters counts as Java's String.length does (UTF-16 code units): the
// limits are Step Functions' and it runs on the JVM.
func characters(s string) int {
	return len(utf16.Encode([]rune(s)))
}

func base64Encode(args []any, _ runEnv) (any, error) {
	s := args[0].(string)
	if n := characters(s); n > maxEncodedChars {
		return nil, failure("States.Base64Encode", "the input has %d characters; the limit is %d", n, maxEncodedChars)
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

func base64Decode(args []any, _ runEnv) (any, error) {
	s := args[0].(string)
	if n := characters(s); n > maxDecodedChars {
		return nil, failure("States.Base64Decode", "the input has %d characters; the limit is %d", n, maxDecodedChars)
	}
	decoded, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, failure("States.Base64Decode", "the input is not Base64 (%v)", err)
	}
	return string(decoded), nil
}

var hashes = map[string]func() hash.Hash{
	"MD5":     md5.New,
	"SHA-1":   sha1.New,
	"SHA-256": sha256.New,
	"SHA-384": sha512.New384,
	"SHA-512": sha512.New,
}

func hashOf(args []any, _ runEnv) (any, error) {
	data, algorithm := args[0].(string), args[1].(string)
	if n := characters(data); n > maxHashedChars {
		return nil, failure("States.Hash", "the input has %d characters; the limit is %d", n, maxHashedChars)
	}
	newHash, ok := hashes[algorithm]
	if !ok {
		return nil, failure("States.Hash", "the algorithm %q is not one of MD5, SHA-1, SHA-256, SHA-384, SHA-512", algorithm)
	}
	h := newHash()
	h.Write([]byte(data))
	return hex.EncodeToString(h.Sum(nil)), nil
}

func jsonMerge(args []any, _ runEnv) (any, error) {
	merged := args[0].(*value.Object).Clone()
	for k, v := range args[1].(*value.Object).All() {
		merged.Set(k, v)
	}
	return inJavaHashMapOrder(merged), nil
}

// roundJava rounds as Java's Math.round does (half up). The guide: "If you
// specify a non-integer value ... Step Functions will round it off to the
// nearest integer."
func roundJava(v any) float64 {
	f, _ := asFloat(v)
	return math.Floor(f + 0.5)
}

// wholeNumber is an integer argument of the math intrinsics, rounded as
// the guide says. From 2^53 on, a float64 (and JavaScript, and many JSON
// readers) no longer holds every integer; below it, the sums and ranges
// computed here stay exact and within int64.
func wholeNumber(fn string, i int, v any) (int64, error) {
	r := roundJava(v)
	if math.Abs(r) >= 1<<53 {
		return 0, failure(fn, "argument %d (%s) is outside the range -(2^53-1) to 2^53-1", i, describe(v))
	}
	return int64(r), nil
}

func mathRandom(args []any, env runEnv) (any, error) {
	start, err := wholeNumber("States.MathRandom", 1, args[0])
	if err != nil {
		return nil, err
	}
	end, err := wholeNumber("States.MathRandom", 2, args[1])
	if err != nil {
		return nil, err
	}
	if start > end {
		return nil, failure("States.MathRandom", "the start %d is greater than the end %d", start, end)
	}
	var source mathrand.Source
	if len(args) == 3 {
		seed, err := wholeNumber("States.MathRandom", 3, args[2])
		if err != nil {
			return nil, err
		}
		source = mathrand.NewPCG(uint64(seed), 0)
	} else {
		var seed [32]byte
		if _, err := io.ReadFull(env.entropy, seed[:]); err != nil {
			return nil, failure("States.MathRandom", "no randomness: %v", err)
		}
		source = mathrand.NewChaCha8(seed)
	}
	return numberOf(start + mathrand.New(source).Int64N(end-start+1)), nil
}

func mathAdd(args []any, _ runEnv) (any, error) {
	a, err := wholeNumber("States.MathAdd", 1, args[0])
	if err != nil {
		return nil, err
	}
	b, err := wholeNumber("States.MathAdd", 2, args[1])
	if err != nil {
		return nil, err
	}
	return numberOf(a + b), nil
}

// stringSplit splits at every character of the second argument and drops
// empty parts: the guide's example splits "This.is+a,test=string" with
// ".+,=" into five words.
func stringSplit(args []any, _ runEnv) (any, error) {
	s, delimiters := args[0].(string), args[1].(string)
	out := []any{}
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(delimiters, r) }) {
		out = append(out, part)
	}
	return out, nil
}

// uuid is a version 4 UUID (RFC 9562) from the scope's entropy.
func uuid(_ []any, env runEnv) (any, error) {
	var b [16]byte
	if _, err := io.ReadFull(env.entropy, b[:]); err != nil {
		return nil, failure("States.UUID", "no randomness: %v", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}
