package jsonpath

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/asl/stateserror"
)

type getCase struct {
	name, path, want string
}

var getCases = []getCase{
	{"root", "$", store},
	{"dot names", "$.store.bicycle.color", `"red"`},
	{"bracket names", "$['store']['bicycle'][\"price\"]", `19.95`},
	{"index", "$.store.book[0].title", `"Sayings of the Century"`},
	{"negative index counts from the end", "$.store.book[-1].title", `"The Lord of the Rings"`},
	{"number keeps its text", "$.store.book[0].price", `8.95`},
	{"null value is a value", "$.nothing", `null`},
	{"wildcard on an array", "$.store.book[*].author", `["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"]`},
	{"dot wildcard on an object, by key", "$.store.bicycle.*", `["red",19.95]`},
	{"index list", "$.store.book[0,2].title", `["Sayings of the Century","Moby Dick"]`},
	{"index list skips what is outside", "$.store.book[3,9].title", `["The Lord of the Rings"]`},
	{"slice", "$.store.book[1:3].title", `["Sword of Honour","Moby Dick"]`},
	{"slice from", "$.store.book[2:].title", `["Moby Dick","The Lord of the Rings"]`},
	{"slice to", "$.store.book[:1].title", `["Sayings of the Century"]`},
	{"slice from the end", "$.store.book[-2:].title", `["Moby Dick","The Lord of the Rings"]`},
	{"slice to a negative end", "$.store.book[:-3].title", `["Sayings of the Century"]`},
	{"slice past the end is clamped", "$.store.book[3:10].title", `["The Lord of the Rings"]`},
	{"a one-item slice is still a list", "$.store.book[0:1].price", `[8.95]`},
	{"recursive descent", "$..author", `["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"]`},
	{"recursive descent visits parents first, then fields in document order", "$.store..price", `[8.95,12.99,8.99,22.99,19.95]`},
	{"recursive descent with an index", "$..book[2].title", `["Moby Dick"]`},
	{"recursive descent with a name list takes objects that have them all", "$..['color','price']", `[{"color":"red","price":19.95}]`},
	{"recursive descent with brackets", "$..['color']", `["red"]`},
	{"existence filter", "$.store.book[?(@.isbn)].title", `["Moby Dick","The Lord of the Rings"]`},
	{"numeric filter", "$.store.book[?(@.price < 10)].title", `["Sayings of the Century","Moby Dick"]`},
	{"<= and >=", "$.store.book[?(@.price <= 8.99 && @.price >= 8.99)].title", `["Moby Dick"]`},
	{"string equality", "$.store.book[?(@.category == 'reference')].author", `["Nigel Rees"]`},
	{"double quotes in a filter", `$.store.book[?(@.category == "reference")].author`, `["Nigel Rees"]`},
	{"!= includes items without the field", "$.store.book[?(@.isbn != '0-553-21311-3')].title", `["Sayings of the Century","Sword of Honour","The Lord of the Rings"]`},
	{"|| and parentheses", "$.store.book[?((@.price > 20 || @.price < 9) && @.isbn)].title", `["Moby Dick","The Lord of the Rings"]`},
	{"negation", "$.store.book[?(!(@.category == 'fiction'))].title", `["Sayings of the Century"]`},
	{"regex matches the whole string", "$.store.book[?(@.author =~ /.*Tolkien/)].title", `["The Lord of the Rings"]`},
	{"regex is anchored", "$.store.book[?(@.author =~ /Tolkien/)].title", `[]`},
	{"regex flag i", "$.store.book[?(@.author =~ /nigel.*/i)].title", `["Sayings of the Century"]`},
	{"in", "$.store.book[?(@.category in ['reference','poetry'])].title", `["Sayings of the Century"]`},
	{"nin", "$.store.book[?(@.category nin ['fiction'])].title", `["Sayings of the Century"]`},
	{"comparison with the root", "$.store.book[?(@.price > $.expensive)].title", `["Sword of Honour","The Lord of the Rings"]`},
	{"string ordering", "$.store.book[?(@.category < 'g')].title", `["Sword of Honour","Moby Dick","The Lord of the Rings"]`},
	{"no comparison across types", "$.store.book[?(@.price > '1')].title", `[]`},
	{"numbers compare by value", "$.store.book[?(@.price == 8.950)].title", `["Sayings of the Century"]`},
	{"filter on an object tests the object", "$.store.bicycle[?(@.color == 'red')].price", `[19.95]`},
	{"recursive filter selects each object once", "$..[?(@.price > 20)].title", `["The Lord of the Rings"]`},
	{"name list at the end makes one object", "$.store.bicycle['color','price','missing']", `{"color":"red","price":19.95}`},
	{"name list per match", "$.store.book[0:2]['title','price']", `[{"title":"Sayings of the Century","price":8.95},{"title":"Sword of Honour","price":12.99}]`},
	{"quoted name with a space", "$['odd keys']['a b']", `1`},
	{"quoted name with a dot", "$['odd keys']['a.b']", `2`},
	{"escaped quote", `$['odd keys']['it\'s']`, `3`},
	{"non-ASCII dot name", "$['odd keys'].名前", `4`},
	{"empty name", "$['odd keys']['']", `5`},
	{"missing field in an indefinite path is skipped", "$.store.book[*].isbn", `["0-553-21311-3","0-395-19395-8"]`},
	{"wildcard on a scalar selects nothing", "$.expensive.*", `[]`},
	{"wrong types below a wildcard are skipped", "$.*.book[0].price", `[8.95]`},
	{"filter on a scalar below a wildcard is skipped", "$.*[?(@.x)]", `[]`},
	{"length of an array", "$.store.book.length()", `4`},
	{"a function takes an indefinite path's array", "$.store.book[*].price.length()", `4`},
	{"length of an object", "$.store.bicycle.length()", `2`},
	{"min", "$.store.book[*].price.min()", `8.95`},
	{"max", "$..price.max()", `22.99`},
	{"keys, in document order", "$['odd keys'].keys()", `["a b","a.b","it's","名前",""]`},
	{"last", "$.store.book[*].author.last()", `"J. R. R. Tolkien"`},
	{"first", "$.store.book[0:2].title.first()", `"Sayings of the Century"`},
	{"a function in a filter", "$.store[?(@.book.length() > 3)].bicycle.color", `["red"]`},
	{"a dot before brackets", "$.store.book.[?(@.price > 20)].title", `["The Lord of the Rings"]`},
	{"spaces inside brackets", "$.store.book[ 0 , 1 ][ 'price' ]", `[8.95,12.99]`},
}

// TestGet states Jayway's rules as Step Functions applies them to
// InputPath, OutputPath, ItemsPath and ".$" fields: a definite path yields
// the value, any other path an array of matches.
func TestGet(t *testing.T) {
	doc := decode(t, store)
	tests := getCases
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Get(doc, tc.path)
			require.NoError(t, err)
			assert.Equal(t, decode(t, tc.want), got)
		})
	}
}

type getFailureCase struct {
	path, cause string
}

var getFailureCases = []getFailureCase{
	// These two causes are the ones AWS recorded for InputPath and
	// OutputPath (LocalStack's snapshots of real executions).
	{"$.NoSuchInputPath", "Invalid path '$.NoSuchInputPath' : No results for path: $['NoSuchInputPath']"},
	{"$.no.such.result.path", "Invalid path '$.no.such.result.path' : Missing property in path $['no']"},
	{"$.store.book[9]", "No results for path: $['store']['book'][9]"},
	{"$.store.book[9].title", "No results for path: $['store']['book'][9]['title']"},
	{"$.store.book[-9]", "No results for path: $['store']['book'][-9]"},
	{"$.expensive.x", "Expected to find an object with property ['x'] in path $['expensive'] but found 'number'"},
	{"$.store.book.title", "Expected to find an object with property ['title'] in path $['store']['book'] but found 'array'"},
	{"$.expensive[0]", "Filter: [0] can only be applied to arrays. Current context is: 10"},
	{"$.nothing[0]", "The path $['nothing'] is null"},
	{"$.missing[*]", "Missing property in path $['missing']"},
	{"$.expensive.length()", "length() needs an array or an object, not number"},
	{"$.store.bicycle.color.length()", "length() needs an array or an object, not string"},
	{"$.store.book[*].author.min()", "Aggregation function attempted to calculate value using empty array"},
	{"$.nothing.first()", "first() needs a non-empty array, not null"},
	{"$.missing.length()", "No results for path: $['missing']"},
	{"$.expensive[?(@.x)]", "Filter: [?(@.x)] can not be applied to primitives. Current context is: 10"},
	{"$$.Execution", "the path must start with $ followed by . or [ here"},
	{"$.store.book[", "the bracket opened at offset 12 is not closed"},
}

// TestGetFailures states when a path fails at run time, and the cause AWS
// records (Jayway's message after "Invalid path '...' : ").
func TestGetFailures(t *testing.T) {
	doc := decode(t, store)
	tests := getFailureCases
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			_, err := Get(doc, tc.path)
			var se *stateserror.Error
			require.True(t, errors.As(err, &se), "want a *stateserror.Error, got %v", err)
			assert.Equal(t, stateserror.Runtime, se.Name)
			assert.Contains(t, se.Cause, tc.cause)
		})
	}
}

// TestValidate states which paths a definition may hold, and which of them
// are Reference Paths (ResultPath, and wherever one node is meant).
func TestValidate(t *testing.T) {
	tests := []struct {
		path      string
		reference bool
		problem   string // "" when the path is valid
	}{
		{"$", true, ""},
		{"$.a.b", true, ""},
		{"$['a b'][0]", true, ""},
		{"$.a[-1]", true, ""},
		{"$$.Execution.Input", true, ""},
		{"$$", true, ""},
		{"$myVar", true, ""},
		{"$my_var2.a[0]", true, ""},
		{"$.a[*]", false, ""},
		{"$..a", false, ""},
		{"$.a[0,1]", false, ""},
		{"$.a[1:]", false, ""},
		{"$['a','b']", false, ""},
		{"$.a[?(@.b > 1)]", false, ""},
		{"", false, "a path starts with $"},
		{"a.b", false, "a path starts with $"},
		{"@.a", false, "@ may appear only inside a filter"},
		{"$.", false, "a field name is missing"},
		{"$..", false, "a field name is missing"},
		{"$.a b", false, `unexpected " b"`},
		{"$[", false, "is not closed"},
		{"$['a'", false, "is not closed"},
		{"$['a]", false, "is not closed"},
		{"$[a]", false, "expected *, 'name', an index"},
		{"$[1.5]", false, "not closed"},
		{"$[1:2:3]", false, "slice steps"},
		{"$.a.length()", false, ""},
		{"$.a[*].b.max()", false, ""},
		{"$.a.length().b", false, "length() must end the path"},
		{"$.a.concat()", false, "concat() is not supported; the path functions are avg(), first(), keys(), last(), length(), max(), min(), stddev(), sum()"},
		{"$[(@.length-1)]", false, "script expressions"},
		{"$[?(@.a subsetof [1])]", false, "subsetof is not supported"},
		{"$[?(@.a =~ /[/)]", false, "is not valid"},
		{"$[?(@.a =~ 'x')]", false, "=~ takes a regular expression"},
		{"$[?(@.a =~ /a(?=b)/)]", false, "is not valid"},
		{"$[?(@.a =~ /a/x)]", false, "unexpected"},
		{"$[?(@.a == )]", false, "unexpected"},
		{"$[?(@.a == -)]", false, "is not a number"},
		{"$[?(@.a == $$.b)]", false, "a filter may refer to @ and $ only"},
		{"$[?(1)]", false, "must be a comparison or a path"},
		{"$[?(@.a)", false, "not closed"},
		{"$[?@.a]", false, "a filter is written"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			err := Validate(tc.path, false)
			if tc.problem != "" {
				var de *DefinitionError
				require.True(t, errors.As(err, &de), "want a *DefinitionError, got %v", err)
				assert.Contains(t, err.Error(), tc.problem)
				assert.Contains(t, err.Error(), tc.path, "the message names the path")
				assert.False(t, IsReferencePath(tc.path))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.reference, IsReferencePath(tc.path))
			if !tc.reference {
				assert.ErrorContains(t, Validate(tc.path, true), "is not a Reference Path")
			}
		})
	}
}
