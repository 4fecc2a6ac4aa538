package jsonata

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/asl/stateserror"
)

// conformanceCases exercise the language the Go ports of JSONata get wrong
// (issue 15: @ and # binding, joins, the parent operator, $parseInteger,
// $fromMillis/$toMillis pictures, error codes) and the rest of the
// function library, over one input bound to $in. jsonata's own test suite
// is not in the npm package (it holds only the bundles, typings, README
// and LICENSE), so the judge is the package itself, run directly.
var conformanceCases = []string{
	// paths, predicates, wildcards, descendants
	"$in.Account.Order[0].Product[0].ProductID",
	"$in.Account.Order.Product[Price > 30].SKU",
	"$in.Account.Order.Product.*",
	"$in.**.Colour",
	"$in.Account.Order[-1].OrderID",
	"$in.Account.Order.Product[[0..1]].Description.Weight",
	// @ and # binding, joins, the parent operator
	"$in.Account.Order@$o.Product@$p.{'order': $o.OrderID, 'sku': $p.SKU}",
	"$in.Account.Order#$i.{'index': $i, 'id': OrderID}",
	"$in.Account.Order.Product.{'sku': SKU, 'order': %.OrderID}",
	"$in.library.loans@$l.($in.library.books)@$b[$l.isbn=$b.isbn].{'title': $b.title, 'customer': $l.customer}",
	// grouping, sorting, aggregation
	"$in.Account.Order.Product{SKU: $sum(Price)}",
	"$in.Account.Order.Product^(>Price, SKU).SKU",
	"$sort($in.Account.Order.Product, function($a, $b) { $a.Quantity > $b.Quantity }).SKU",
	"[$sum($in.nums), $max($in.nums), $min($in.nums), $average($in.nums), $count($in.nums)]",
	"$reduce($in.nums, function($acc, $v) { $acc * $v }, 1)",
	"$distinct([1, 2, 2, 3, 1])",
	// transform, higher-order functions, objects
	"$in.Account ~> |Order.Product|{'Price': Price * 2}, ['Description']|",
	"$map($in.nums, function($v, $i) { {'i': $i, 'sq': $v * $v} })",
	"$filter($in.nums, function($v) { $v % 2 = 0 })",
	"$sift($in.Account.Order[0].Product[0], function($v, $k) { $k ~> /^P/ })",
	"$each({'a': 1, 'b': 2}, function($v, $k) { $k & '=' & $v })",
	"$merge([{'a': 1}, {'b': 2}, {'a': 3}])",
	"[$keys($in.Account.Order[0]), $lookup($in.Account.Order[0], 'OrderID')]",
	"$spread({'a': 1, 'b': 2})",
	"$zip([1, 2, 3], ['a', 'b'])",
	"$single($in.nums, function($v) { $v > 4 })",
	// numbers
	"[$parseInteger('12,345,678', '#,##0'), $parseInteger('twelve thousand, four hundred and seventy-six', 'w')]",
	"[$formatNumber(1234.5678, '#,##0.00'), $formatNumber(0.14, '01%'), $formatBase(255, 16), $formatInteger(1999, 'I')]",
	"[$round(2.5), $round(3.5), $round(-2.567, 2), $power(2, 10), $sqrt(16), $abs(-3), $floor(-1.5), $ceil(1.2)]",
	"[$number('0x1F'), $number('1e3'), $string(1e21), $string(123.0), $string(0.1 + 0.2)]",
	// dates
	"$fromMillis(1510067557121, '[M01]/[D01]/[Y0001] [h#1]:[m01][P]')",
	"$fromMillis(1510067557121, '[Y0001]-[M01]-[D01] [H01]:[m01]:[s01] [Z]', '-0500')",
	"$fromMillis(1521801216617, '[FNn], [D1o] [MNn] [Y]')",
	"[$toMillis('2017-11-07T15:07:37.121Z'), $toMillis('2018-03-27', '[Y]-[M]-[D]'), $toMillis('13:45', '[H]:[m]')]",
	"$toMillis('Wednesday, 14th November 2018', '[FNn], [D1o] [MNn] [Y]')",
	// strings and regexes
	"[$substring('Hello World', 3, 5), $substringBefore('a-b-c', '-'), $substringAfter('a-b-c', '-'), $pad('x', -5, '#')]",
	"[$uppercase('straße'), $trim('  a   b  '), $length('日本語'), $contains('abc', /B/i)]",
	"[$split('a,b,,c', ','), $join(['a', 'b'], '-'), $replace('John Smith', /(\\w+)\\s(\\w+)/, '$2, $1')]",
	"$match('ababbabbcc', /a(b+)/)",
	"[$base64encode('myuser:mypass'), $base64decode('bXl1c2VyOm15cGFzcw=='), $encodeUrlComponent('?x=test'), $decodeUrl('https://mozilla.org/?x=%D1%88')]",
	"$string({'a': [1, 2.5, 'x'], 'b': null}, true)",
	// logic and types
	"[$type($in.nums), $type(null), $type($in.absent), $exists($in.absent), $boolean([]), $not('')]",
	"$in.nums[$ > 2] ? 'some' : 'none'",
	"[1..5][$ % 2 = 1]",
	"($f := function($n) { $n <= 1 ? 1 : $n * $f($n - 1) }; $f(10))",
	"$in.absent",
	// errors carry jsonata's codes
	"$in.nums + 1",
	"$sum('x')",
	"$assert(false, 'failed on purpose')",
	"$single($in.nums)",
	"$in.Account.Order.Product[",
	"$toMillis('not a date')",
}

const conformanceInput = `{
  "nums": [1, 2, 3, 4, 5.5],
  "Account": {"Order": [
    {"OrderID": "order103", "Product": [
      {"Product Name": "Bowler Hat", "ProductID": 858383, "SKU": "0406654608", "Description": {"Colour": "Purple", "Weight": 0.75}, "Price": 34.45, "Quantity": 2},
      {"Product Name": "Trilby hat", "ProductID": 858236, "SKU": "0406634348", "Description": {"Colour": "Orange", "Weight": 0.6}, "Price": 21.67, "Quantity": 1}]},
    {"OrderID": "order104", "Product": [
      {"Product Name": "Bowler Hat", "ProductID": 858383, "SKU": "040657863", "Description": {"Colour": "Purple", "Weight": 0.75}, "Price": 34.45, "Quantity": 4},
      {"Product Name": "Cloak", "ProductID": 345664, "SKU": "0406654603", "Description": {"Colour": "Black", "Weight": 2}, "Price": 107.99, "Quantity": 1}]}]},
  "library": {
    "books": [{"title": "Structure and Interpretation", "isbn": "0262510871"}, {"title": "The C Programming Language", "isbn": "0131103628"}],
    "loans": [{"customer": "10001", "isbn": "0262510871"}, {"customer": "10003", "isbn": "0131103628"}, {"customer": "10003", "isbn": "0262510871"}]}
}`

// Every case gives through the worker what the reference package gives run
// directly: the same value, the same undefined, the same error code and
// message.
func TestTheWorkerAgreesWithTheReferenceRunDirectly(t *testing.T) {
	w := newTestWorker(t, Options{})
	bindings := map[string]any{"in": decodeJSON(t, conformanceInput)}
	want := runReferenceDirectly(t, w.install, conformanceCases, bindings)
	for i, expr := range conformanceCases {
		t.Run(expr, func(t *testing.T) {
			got, err := w.Evaluate(t.Context(), expr, bindings)
			reference := want[i]
			switch {
			case reference.Error != nil:
				var statesErr *stateserror.Error
				require.True(t, errors.As(err, &statesErr), "the reference failed with %+v; the worker answered %v, %v", *reference.Error, got, err)
				assert.Equal(t, reference.Error.Code+": "+reference.Error.Message, statesErr.Cause)
			case reference.Undefined:
				require.NoError(t, err)
				assert.Equal(t, Undefined, got)
			default:
				require.NoError(t, err)
				assert.Equal(t, decodeJSON(t, string(reference.Result)), got)
			}
		})
	}
}

func runReferenceDirectly(t *testing.T, install *installation, exprs []string, bindings map[string]any) []reply {
	t.Helper()
	type referenceCase struct {
		Expr     string         `json:"expr"`
		Bindings map[string]any `json:"bindings"`
	}
	cases := make([]referenceCase, len(exprs))
	for i, expr := range exprs {
		cases[i] = referenceCase{expr, bindings}
	}
	input, err := json.Marshal(cases)
	require.NoError(t, err)
	script, err := filepath.Abs("testdata/reference.cjs")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, install.node, script, install.dir)
	cmd.Stdin = bytes.NewReader(input)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	output, err := cmd.Output()
	require.NoError(t, err, "the reference run: %s", stderr.String())
	var answers []reply
	require.NoError(t, json.Unmarshal(output, &answers))
	require.Len(t, answers, len(exprs))
	return answers
}
