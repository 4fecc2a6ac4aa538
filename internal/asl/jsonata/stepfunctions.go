package jsonata

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"math/rand/v2"

	"github.com/dop251/goja"
)

// The functions Step Functions adds to JSONata ("JSONata functions provided
// by Step Functions" in the developer guide). Each is bound with a JSONata
// signature, so jsonata itself checks argument types and answers a wrong one
// with T0410, as Step Functions does. What the guide leaves open follows
// what other emulators measured on AWS (docs/engine-jsonata.md lists it):
// a number argument is truncated towards zero, and arguments that describe
// nothing (an empty array, a chunk size below 1, a step of 0 or pointing
// away from the end) give undefined rather than an error.
func (r *jsRuntime) bindStepFunctions(expression *goja.Object) error {
	register, ok := goja.AssertFunction(expression.Get("registerFunction"))
	if !ok {
		return fmt.Errorf("the jsonata expression object has no registerFunction; is the bundle jsonata %s?", referenceVersion)
	}
	functions := []struct {
		name, signature string
		implementation  func(goja.FunctionCall) goja.Value
	}{
		{"partition", "<an:a>", r.partition},
		{"range", "<nnn:a>", r.rangeOf},
		{"hash", "<ss:s>", r.hash},
		{"random", "<n?:n>", r.random},
		{"uuid", "<:s>", r.uuid},
		{"parse", "<s:j>", r.parse},
	}
	for _, f := range functions {
		if _, err := register(expression, r.vm.ToValue(f.name), r.vm.ToValue(f.implementation), r.vm.ToValue(f.signature)); err != nil {
			return fmt.Errorf("binding $%s: %v", f.name, err)
		}
	}
	// Step Functions leaves $eval out; calling it fails with JSONata's
	// T1006 "Attempted to invoke a non-function". Binding false does that:
	// undefined would fall through to jsonata's own $eval, and null makes
	// jsonata fail on its own error handling with a TypeError.
	assign, ok := goja.AssertFunction(expression.Get("assign"))
	if !ok {
		return fmt.Errorf("the jsonata expression object has no assign; is the bundle jsonata %s?", referenceVersion)
	}
	if _, err := assign(expression, r.vm.ToValue("eval"), r.vm.ToValue(false)); err != nil {
		return fmt.Errorf("removing $eval: %v", err)
	}
	return nil
}

// partition splits an array into chunks of size elements, the last chunk
// holding what remains.
func (r *jsRuntime) partition(call goja.FunctionCall) goja.Value {
	array, sizeArg := call.Argument(0), call.Argument(1)
	if goja.IsUndefined(array) || goja.IsUndefined(sizeArg) {
		return goja.Undefined()
	}
	items := r.arrayItems(array)
	size := int(math.Trunc(sizeArg.ToFloat()))
	if len(items) == 0 || size < 1 {
		return goja.Undefined()
	}
	chunks := make([]any, 0, (len(items)+size-1)/size)
	for start := 0; start < len(items); start += size {
		chunks = append(chunks, r.vm.NewArray(items[start:min(start+size, len(items))]...))
	}
	return r.vm.NewArray(chunks...)
}

// maxRange is the longest $range AWS answers, as measured on AWS by another
// emulator (Floci): 360,145 elements, one more is refused with this text.
const maxRange = 360145

// rangeOf counts from start to end by step, end included when a step lands
// on it. One element is answered as the bare number, as a JSONata sequence
// of one is.
func (r *jsRuntime) rangeOf(call goja.FunctionCall) goja.Value {
	startArg, endArg, stepArg := call.Argument(0), call.Argument(1), call.Argument(2)
	if goja.IsUndefined(startArg) || goja.IsUndefined(endArg) || goja.IsUndefined(stepArg) {
		return goja.Undefined()
	}
	start, end, step := math.Trunc(startArg.ToFloat()), math.Trunc(endArg.ToFloat()), math.Trunc(stepArg.ToFloat())
	if step == 0 || math.IsNaN(step) || (step > 0 && start > end) || (step < 0 && start < end) {
		return goja.Undefined()
	}
	count := math.Floor((end-start)/step) + 1
	if count > maxRange || math.IsInf(count, 0) || math.IsNaN(count) {
		r.throw("Expression evaluation memory limit exceeded")
	}
	if count == 1 {
		return r.vm.ToValue(start)
	}
	values := make([]any, int(count))
	for i := range values {
		values[i] = start + float64(i)*step
	}
	return r.vm.NewArray(values...)
}

// hashAlgorithms are the algorithm names $hash accepts, spelled as the
// developer guide spells them.
var hashAlgorithms = map[string]func() hash.Hash{
	"MD5":     md5.New,
	"SHA-1":   sha1.New,
	"SHA-256": sha256.New,
	"SHA-384": sha512.New384,
	"SHA-512": sha512.New,
}

// hash is the hex digest of a string's UTF-8 bytes.
func (r *jsRuntime) hash(call goja.FunctionCall) goja.Value {
	data, algorithmArg := call.Argument(0), call.Argument(1)
	if goja.IsUndefined(data) || goja.IsUndefined(algorithmArg) {
		return goja.Undefined()
	}
	newHash, ok := hashAlgorithms[algorithmArg.String()]
	if !ok {
		r.throw(fmt.Sprintf("The hash algorithm %q is not supported; use MD5, SHA-1, SHA-256, SHA-384 or SHA-512", algorithmArg.String()))
	}
	h := newHash()
	h.Write([]byte(data.String()))
	return r.vm.ToValue(hex.EncodeToString(h.Sum(nil)))
}

// random is a number in [0, 1): the same one for the same integer seed, a
// fresh one from the pool's random stream without.
func (r *jsRuntime) random(call goja.FunctionCall) goja.Value {
	if seed := call.Argument(0); !goja.IsUndefined(seed) {
		source := rand.NewPCG(uint64(int64(math.Trunc(seed.ToFloat()))), 0)
		return r.vm.ToValue(rand.New(source).Float64())
	}
	var b [8]byte
	if err := r.pool.randomBytes(b[:]); err != nil {
		r.throw(err.Error())
	}
	return r.vm.ToValue(float64(binary.BigEndian.Uint64(b[:])>>11) / (1 << 53))
}

// uuid is a version 4 UUID (RFC 9562) from the pool's random stream.
func (r *jsRuntime) uuid(goja.FunctionCall) goja.Value {
	var b [16]byte
	if err := r.pool.randomBytes(b[:]); err != nil {
		r.throw(err.Error())
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 9562 variant
	text := hex.EncodeToString(b[:])
	return r.vm.ToValue(text[:8] + "-" + text[8:12] + "-" + text[12:16] + "-" + text[16:20] + "-" + text[20:])
}

// parse reads a JSON text into a value, as JSON.parse does.
func (r *jsRuntime) parse(call goja.FunctionCall) goja.Value {
	text := call.Argument(0)
	if goja.IsUndefined(text) {
		return goja.Undefined()
	}
	parse, _ := goja.AssertFunction(r.vm.Get("JSON").ToObject(r.vm).Get("parse"))
	value, err := parse(goja.Undefined(), text)
	if err != nil {
		r.throw(fmt.Sprintf("$parse could not parse %q as JSON: %v", text.String(), err))
	}
	return value
}

// arrayItems lists a JavaScript array's elements.
func (r *jsRuntime) arrayItems(value goja.Value) []any {
	object := value.ToObject(r.vm)
	length := object.Get("length").ToInteger()
	items := make([]any, length)
	for i := range length {
		items[i] = object.Get(fmt.Sprint(i))
	}
	return items
}

// throw raises a JavaScript error with message inside a running
// expression, which jsonata passes on as the evaluation's failure.
func (r *jsRuntime) throw(message string) {
	error := r.vm.NewObject()
	_ = error.Set("message", message)
	panic(error)
}
