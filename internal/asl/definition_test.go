package asl

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
)

// AllStates reaches every state, in Parallel branches and Map item
// processors at any depth, once each, and stops when the loop does.
func TestAllStatesReachesEveryDepth(t *testing.T) {
	m := setup{}.load(t, `{"StartAt": "P", "States": {
		"P": {"Type": "Parallel", "Branches": [
			{"StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": {"StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "End": true}}}, "End": true}}},
			{"StartAt": "B", "States": {"B": {"Type": "Pass", "End": true}}}], "Next": "Done"},
		"Done": {"Type": "Succeed"}}}`)
	var names []string
	for st := range m.Graph.AllStates() {
		names = append(names, st.Name)
	}
	slices.Sort(names)
	assert.Equal(t, []string{"B", "Done", "Inner", "M", "P"}, names)

	seen := 0
	for range m.Graph.AllStates() {
		seen++
		if seen == 2 {
			break
		}
	}
	assert.Equal(t, 2, seen, "the walk stops when the loop breaks")
}
