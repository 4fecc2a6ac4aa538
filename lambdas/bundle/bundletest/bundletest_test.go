package bundletest

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDynamicLinksFindsTheLoaderAndLibraries holds the static check to a
// binary known to be dynamic, so it cannot pass by finding nothing anywhere:
// the host's ls asks for a program interpreter and libc.
func TestDynamicLinksFindsTheLoaderAndLibraries(t *testing.T) {
	binary, err := os.ReadFile("/bin/ls")
	if os.IsNotExist(err) {
		t.Skip("/bin/ls is missing: this check needs one dynamically linked host binary")
	}
	require.NoError(t, err)
	links, err := DynamicLinks(binary)
	require.NoError(t, err)
	require.NotEmpty(t, links)
	assert.Regexp(t, `^PT_INTERP /lib.*/ld-linux-[a-z0-9-]+\.so\.[0-9]+$`, links[0], "the interpreter comes first")
	assert.Contains(t, links, "DT_NEEDED libc.so.6")
}

func TestDynamicLinksRejectsWhatIsNotELF(t *testing.T) {
	_, err := DynamicLinks([]byte("#!/bin/sh\n"))
	require.ErrorContains(t, err, "reading the ELF binary")
}
