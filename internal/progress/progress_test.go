package progress

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type lines struct {
	mu   sync.Mutex
	text strings.Builder
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.text.Write(p)
}

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.text.String()
}

func TestStepSaysWhatItDoesUntilItEnds(t *testing.T) {
	Tick = time.Millisecond
	t.Cleanup(func() { Tick = 10 * time.Second })
	tests := []struct {
		name string
		err  error
		want string
	}{
		{name: "done", want: "local: building: done in "},
		{name: "failed", err: errors.New("no"), want: "local: building: failed in "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := &lines{}
			step := Start(out, "local", "building")
			require.Eventually(t, func() bool { return strings.Contains(out.String(), "local: still building (") }, time.Minute, time.Millisecond)
			step.End(tt.err)
			step.End(nil)
			printed := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			assert.Equal(t, "local: building…", printed[0])
			assert.True(t, strings.HasPrefix(printed[len(printed)-1], tt.want), "last line %q", printed[len(printed)-1])
			assert.Equal(t, 1, strings.Count(out.String(), ": building: "), "End prints once")
			time.Sleep(5 * time.Millisecond)
			assert.Len(t, strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n"), len(printed), "nothing after End")
		})
	}
}

func TestSeconds(t *testing.T) {
	for d, want := range map[time.Duration]string{
		400 * time.Millisecond:   "0.4 s",
		12340 * time.Millisecond: "12.3 s",
		95 * time.Second:         "95.0 s",
		150 * time.Second:        "150 s",
	} {
		assert.Equal(t, want, Seconds(d), d.String())
	}
}
