package bundle

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseArch(t *testing.T) {
	tests := []struct {
		name    string
		want    Arch
		wantErr bool
	}{
		{"arm64", ARM64, false},
		{"x86_64", X86_64, false},
		{"amd64", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseArch(tt.name)
			if tt.wantErr {
				require.Error(t, err)
				assert.Contains(t, err.Error(), `use "arm64" or "x86_64"`)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestGOARCH(t *testing.T) {
	assert.Equal(t, "arm64", ARM64.GOARCH())
	assert.Equal(t, "amd64", X86_64.GOARCH())
}

func TestZipIsDeterministicAndExecutable(t *testing.T) {
	executable := bytes.Repeat([]byte("\x7fELF not really"), 1000)
	first, err := Zip(executable)
	require.NoError(t, err)
	second, err := Zip(executable)
	require.NoError(t, err)
	assert.Equal(t, first, second, "the same binary must give the same zip bytes")

	reader, err := zip.NewReader(bytes.NewReader(first), int64(len(first)))
	require.NoError(t, err)
	require.Len(t, reader.File, 1)
	entry := reader.File[0]
	assert.Equal(t, BootstrapName, entry.Name)
	assert.Equal(t, "-rwxr-xr-x", entry.Mode().String())
	assert.Equal(t, zip.Deflate, entry.Method)
	assert.True(t, entry.Modified.Equal(time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)), "fixed timestamp, got %v", entry.Modified)
	assert.Less(t, len(first), len(executable), "compressed")
}

func TestWriteToKeepsAnUnchangedFile(t *testing.T) {
	dir := t.TempDir()
	pkg := Package{Zip: []byte("zip bytes")}
	pkg.Function.Name = "fn"
	path, err := pkg.WriteTo(dir)
	require.NoError(t, err)
	assert.Equal(t, "fn.zip", pkg.FileName())
	assert.FileExists(t, path)
	again, err := pkg.WriteTo(dir)
	require.NoError(t, err)
	assert.Equal(t, path, again)
}

func TestChooseToolchain(t *testing.T) {
	const required = "go1.26.8"
	tests := []struct {
		name, setting, running string
		// wantErr lists what the message must say; empty when the build may go ahead.
		wantErr []string
	}{
		{name: "auto, another go: it fetches the required one", setting: "auto", running: "go1.27.3"},
		{name: "local, the required go", setting: "local", running: required},
		{name: "a pinned name of another release", setting: "go1.27.3", running: "go1.27.3"},
		{name: "auto with a minimum", setting: "go1.25.0+auto", running: "go1.25.0"},
		{name: "path, the required go", setting: "path", running: required},
		{name: "local, another go", setting: "local", running: "go1.27.3",
			wantErr: []string{"built with go1.26.8, the toolchain go.mod names", "this go is go1.27.3", "GOTOOLCHAIN=local forbids", "GOTOOLCHAIN=auto", "install Go 1.26.8"}},
		{name: "path, another go", setting: "path", running: "go1.26.9",
			wantErr: []string{"this go is go1.26.9", "GOTOOLCHAIN=path forbids"}},
		{name: "a minimum without downloads", setting: "go1.26.0+path", running: "go1.26.0",
			wantErr: []string{"GOTOOLCHAIN=go1.26.0+path forbids"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := chooseToolchain(required, tt.setting, tt.running)
			if len(tt.wantErr) > 0 {
				require.Error(t, err)
				for _, want := range tt.wantErr {
					assert.Contains(t, err.Error(), want)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, required, got, "the build always runs the required toolchain")
		})
	}
}

func TestRequiredToolchain(t *testing.T) {
	tests := []struct {
		name, goMod   string // goMod "" means no go.mod at all
		want, wantErr string
	}{
		{name: "named", goMod: "module m\n\ngo 1.26.6\n\ntoolchain go1.26.8\n", want: "go1.26.8"},
		{name: "no toolchain line", goMod: "module m\n\ngo 1.26.6\n", wantErr: "has no toolchain line: name the Go release"},
		{name: "no go.mod", wantErr: "reading the toolchain line"},
		{name: "not a go.mod", goMod: "module m\ntoolchain\n", wantErr: "go.mod:2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "go.mod")
			if tt.goMod != "" {
				require.NoError(t, os.WriteFile(path, []byte(tt.goMod), 0o644))
			}
			got, err := requiredToolchain(path)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestGoEnv(t *testing.T) {
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOTOOLCHAIN", "local")
	values, err := goEnv(t.Context(), "", "GOPROXY", "GOTOOLCHAIN")
	require.NoError(t, err)
	assert.Equal(t, []string{"off", "local"}, values)

	t.Setenv("GOTOOLCHAIN", "bogus")
	_, err = goEnv(t.Context(), "", "GOTOOLCHAIN", "GOVERSION")
	assert.ErrorContains(t, err, `go env: exit status 1: go: invalid GOTOOLCHAIN "bogus"`, "what go said is in the error")
}
