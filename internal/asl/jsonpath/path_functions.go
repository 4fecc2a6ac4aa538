package jsonpath

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"stepfunctions-go/internal/asl/value"
)

// Jayway's path functions: "Functions can be invoked at the tail end of a
// path - the input to a function is the output of the path expression."
// Step Functions users count with them ("$.items.length()"). The ones that
// take arguments (concat, append, index) are refused at load.

// pathFunction is one function and what it does to the path's output.
type pathFunction struct {
	name  string
	apply func(v any) (any, error)
}

var pathFunctions = map[string]pathFunction{}

func init() {
	for _, f := range []pathFunction{
		{"length", length},
		{"keys", keys},
		{"first", func(v any) (any, error) { return end(v, "first", 0) }},
		{"last", func(v any) (any, error) { return end(v, "last", -1) }},
		{"min", aggregate("min", func(ns []float64) float64 { return slices.Min(ns) })},
		{"max", aggregate("max", func(ns []float64) float64 { return slices.Max(ns) })},
		{"sum", aggregate("sum", sum)},
		{"avg", aggregate("avg", func(ns []float64) float64 { return sum(ns) / float64(len(ns)) })},
		{"stddev", aggregate("stddev", stddev)},
	} {
		pathFunctions[f.name] = f
	}
}

// pathFunctionNames lists the functions for messages.
func pathFunctionNames() string {
	names := slices.Sorted(maps.Keys(pathFunctions))
	for i, n := range names {
		names[i] = n + "()"
	}
	return strings.Join(names, ", ")
}

// length is the number of items of an array or fields of an object, the
// two Jayway's length() counts.
func length(v any) (any, error) {
	switch x := v.(type) {
	case []any:
		return numberOf(int64(len(x))), nil
	case *value.Object:
		return numberOf(int64(x.Len())), nil
	}
	return nil, &notFound{msg: fmt.Sprintf("length() needs an array or an object, not %s", typeName(v))}
}

func keys(v any) (any, error) {
	obj, ok := v.(*value.Object)
	if !ok {
		return nil, &notFound{msg: fmt.Sprintf("keys() needs an object, not %s", typeName(v))}
	}
	out := []any{}
	for _, k := range obj.Keys() {
		out = append(out, k)
	}
	return out, nil
}

func end(v any, name string, index int) (any, error) {
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		return nil, &notFound{msg: fmt.Sprintf("%s() needs a non-empty array, not %s", name, describe(v))}
	}
	if index < 0 {
		index += len(arr)
	}
	return arr[index], nil
}

// aggregate applies a numeric function to the numbers of an array; like
// Jayway, it skips what is not a number and fails on no numbers at all.
func aggregate(name string, f func([]float64) float64) func(any) (any, error) {
	return func(v any) (any, error) {
		arr, _ := v.([]any)
		var numbers []float64
		for _, e := range arr {
			if n, ok := asFloat(e); ok {
				numbers = append(numbers, n)
			}
		}
		if len(numbers) == 0 {
			return nil, &notFound{msg: fmt.Sprintf("Aggregation function attempted to calculate value using empty array (%s() of %s)", name, describe(v))}
		}
		r := f(numbers)
		if math.IsInf(r, 0) || math.IsNaN(r) {
			return nil, &notFound{msg: fmt.Sprintf("%s() of %s is not a finite number", name, describe(v))}
		}
		return jsonFloat(r), nil
	}
}

func sum(ns []float64) float64 {
	total := 0.0
	for _, n := range ns {
		total += n
	}
	return total
}

func stddev(ns []float64) float64 {
	mean := sum(ns) / float64(len(ns))
	squares := 0.0
	for _, n := range ns {
		squares += (n - mean) * (n - mean)
	}
	return math.Sqrt(squares / float64(len(ns)))
}

// jsonFloat writes a float64 as the shortest JSON number that reads back
// the same.
func jsonFloat(f float64) any {
	return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
}
