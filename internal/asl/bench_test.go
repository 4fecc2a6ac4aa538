package asl

import (
	"context"
	"strings"
	"testing"
)

// BenchmarkInlineMap1000 is the engine's share of the issue's target "a
// 1,000-item inline Map of Pass states with a JSONata Output runs in under
// 1 s", with the reference JSONata (the Node worker).
func BenchmarkInlineMap1000(b *testing.B) {
	def := `{"QueryLanguage": "JSONata", "StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": {"StartAt": "P", "States": {
		"P": {"Type": "Pass", "Output": {"v": "{% $states.input + 1 %}"}, "End": true}}}, "End": true}}}`
	opts := setup{}.options(b)
	opts.Clock = WallClock{}
	m, err := Load([]byte(def), opts)
	if err != nil {
		b.Fatal(err)
	}
	input := decodeJSON(b, "["+strings.TrimSuffix(strings.Repeat("1,", 1000), ",")+"]")
	b.ResetTimer()
	for range b.N {
		if r := m.Start(context.Background(), input, testInfo).Wait(); r.Status != Succeeded {
			b.Fatal(r.Error)
		}
	}
}
