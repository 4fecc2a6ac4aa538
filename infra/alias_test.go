package infra

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLiveRouting(t *testing.T) {
	const machine = "arn:aws:states:us-east-1:123456789012:stateMachine:m"
	tests := []struct {
		name           string
		newest, stable string
		canaryPercent  int
		want           []route
		wantStable     string
		wantNote       string
	}{
		{name: "no canary", newest: machine + ":4", stable: machine + ":3", canaryPercent: 0,
			want: []route{{machine + ":4", 100}}, wantStable: machine + ":4"},
		{name: "canary of a new version", newest: machine + ":4", stable: machine + ":3", canaryPercent: 10,
			want: []route{{machine + ":4", 10}, {machine + ":3", 90}}, wantStable: machine + ":3"},
		{name: "largest canary", newest: machine + ":4", stable: machine + ":3", canaryPercent: 99,
			want: []route{{machine + ":4", 99}, {machine + ":3", 1}}, wantStable: machine + ":3"},
		{name: "nothing new since the stable version", newest: machine + ":3", stable: machine + ":3", canaryPercent: 10,
			want: []route{{machine + ":3", 100}}, wantStable: machine + ":3"},
		{name: "first update", newest: machine + ":1", stable: "", canaryPercent: 10,
			want: []route{{machine + ":1", 100}}, wantStable: machine + ":1", wantNote: "recorded no version of " + machine},
		{name: "a version of a replaced machine", newest: machine + ":1", stable: machine + "-old:7", canaryPercent: 10,
			want: []route{{machine + ":1", 100}}, wantStable: machine + ":1", wantNote: machine + "-old:7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			routes, stable, note, err := liveRouting(machine, tt.newest, tt.stable, tt.canaryPercent)
			require.NoError(t, err)
			assert.Equal(t, tt.want, routes)
			assert.Equal(t, tt.wantStable, stable)
			if tt.wantNote == "" {
				assert.Empty(t, note)
			} else {
				assert.Contains(t, note, tt.wantNote)
			}
		})
	}
}

func TestLiveRoutingNeedsAPublishedVersion(t *testing.T) {
	const machine = "arn:aws:states:us-east-1:123456789012:stateMachine:m"
	for _, newest := range []string{"", machine, machine + "-other:1"} {
		_, _, _, err := liveRouting(machine, newest, "", 0)
		require.Error(t, err, newest)
		assert.Contains(t, err.Error(), "is publish on?")
	}
}
