package pulumicli

import (
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEnsureWithoutGoSaysWhatIsMissing(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("PATH", t.TempDir()) // no go on it
	_, err := Ensure(t.Context(), io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "building the Pulumi CLI "+Version)
	assert.Contains(t, err.Error(), "the go command is not on PATH")
}
