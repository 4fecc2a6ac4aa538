package jsonata

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/dop251/goja"
)

// toJS converts a JSON value as asl holds it into a JavaScript value. Every
// number becomes a double, as JSONata computes in doubles: an integer beyond
// 2^53 loses its low digits, as it does in Step Functions' JSONata.
func toJS(vm *goja.Runtime, value any) (goja.Value, error) {
	switch v := value.(type) {
	case nil:
		return goja.Null(), nil
	case undefined:
		return goja.Undefined(), nil
	case bool, string:
		return vm.ToValue(v), nil
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil || math.IsInf(f, 0) {
			return nil, fmt.Errorf("the number %s cannot be a JSONata number: JSONata numbers are IEEE 754 doubles, up to about 1.8e308", v)
		}
		return vm.ToValue(f), nil
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return nil, fmt.Errorf("the number %v cannot be a JSONata number: JSON has no non-finite numbers", v)
		}
		return vm.ToValue(v), nil
	case int:
		return vm.ToValue(float64(v)), nil
	case []any:
		items := make([]any, len(v))
		for i, item := range v {
			converted, err := toJS(vm, item)
			if err != nil {
				return nil, err
			}
			items[i] = converted
		}
		return vm.NewArray(items...), nil
	case map[string]any:
		object := vm.NewObject()
		// Sorted, so that $keys and $each see one order for one value:
		// a Go map has none of its own.
		for _, key := range slices.Sorted(mapKeys(v)) {
			converted, err := toJS(vm, v[key])
			if err != nil {
				return nil, err
			}
			if err := object.Set(key, converted); err != nil {
				return nil, err
			}
		}
		return object, nil
	default:
		return nil, fmt.Errorf("a %T is not a JSON value; JSONata bindings hold nil, bool, json.Number, float64, int, string, []any and map[string]any", value)
	}
}

func mapKeys(m map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		for key := range m {
			if !yield(key) {
				return
			}
		}
	}
}

// fromJS converts a JSONata result into a JSON value with the rules of
// JSON.stringify, which Step Functions applies to a result: an undefined
// member is left out and an undefined array element is null. Numbers keep
// the text JavaScript writes for them. A non-finite number, which
// JSON.stringify would write as null, becomes the string JavaScript names it
// by ("Infinity", "-Infinity", "NaN"), which is what Step Functions
// records. Only the top-level result may be Undefined.
func fromJS(value goja.Value) (any, error) {
	if goja.IsUndefined(value) {
		return Undefined, nil
	}
	return fromJSValue(value)
}

func fromJSValue(value goja.Value) (any, error) {
	if value == nil || goja.IsUndefined(value) || goja.IsNull(value) {
		return nil, nil
	}
	switch v := value.Export().(type) {
	case bool, string:
		return v, nil
	case int64:
		return json.Number(strconv.FormatInt(v, 10)), nil
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return value.String(), nil
		}
		return json.Number(jsNumberText(v)), nil
	}
	object, ok := value.(*goja.Object)
	if !ok {
		return nil, fmt.Errorf("the result holds a %s, which JSON cannot represent", value.ExportType())
	}
	if _, isFunction := goja.AssertFunction(object); isFunction {
		return nil, fmt.Errorf("the result holds a function, which JSON cannot represent")
	}
	if object.ClassName() == "Array" {
		length := object.Get("length").ToInteger()
		items := make([]any, length)
		for i := range length {
			item, err := fromJSValue(object.Get(strconv.FormatInt(i, 10)))
			if err != nil {
				return nil, err
			}
			items[i] = item
		}
		return items, nil
	}
	members := map[string]any{}
	for _, key := range object.Keys() {
		member := object.Get(key)
		if goja.IsUndefined(member) {
			continue
		}
		if _, isFunction := goja.AssertFunction(member); isFunction {
			continue // JSON.stringify leaves out a function member
		}
		converted, err := fromJSValue(member)
		if err != nil {
			return nil, err
		}
		members[key] = converted
	}
	return members, nil
}

// jsNumberText writes a finite double as JavaScript's Number.prototype.
// toString does (ECMA-262 Number::toString): the shortest digits that read
// back to the same double, in plain notation from 1e-7 up to 1e21 and in
// exponent notation outside.
func jsNumberText(f float64) string {
	if f == 0 {
		return "0" // both zeros
	}
	text := strconv.FormatFloat(f, 'e', -1, 64) // shortest round trip, d.ddde±x
	sign := ""
	if text[0] == '-' {
		sign, text = "-", text[1:]
	}
	mantissa, exponentText, _ := strings.Cut(text, "e")
	digits := strings.Replace(mantissa, ".", "", 1)
	exponent, _ := strconv.Atoi(exponentText)
	k, n := len(digits), exponent+1 // value = 0.digits × 10^n
	switch {
	case k <= n && n <= 21:
		return sign + digits + strings.Repeat("0", n-k)
	case 0 < n && n <= 21:
		return sign + digits[:n] + "." + digits[n:]
	case -6 < n && n <= 0:
		return sign + "0." + strings.Repeat("0", -n) + digits
	}
	exponentSign := "+"
	if n-1 < 0 {
		exponentSign = "-"
	}
	head := digits[:1]
	if k > 1 {
		head += "." + digits[1:]
	}
	return sign + head + "e" + exponentSign + strconv.Itoa(abs(n-1))
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
