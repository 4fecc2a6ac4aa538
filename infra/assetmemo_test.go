package infra

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/lambdas"
	"stepfunctions-go/lambdas/bundle"
)

// bridgeTranslate is a model, written here from the bridge's source, of
// what the Terraform bridge does with a file archive (pulumi-terraform-bridge
// pkg/tfbridge/info/assets.go, translateToFile, read at commit be360eb):
// the memo name comes from the hash the state recorded; a non-empty regular
// file there is used as it is; otherwise the bytes now at the recorded path
// are written there. It returns what the provider would upload. The bridge
// itself is not linked: its module pulls in github.com/pulumi/pulumi/pkg/v3
// and hundreds of other modules, too heavy for a unit test.
func bridgeTranslate(t *testing.T, tempDir, recordedHash, recordedPath string) []byte {
	t.Helper()
	memo := filepath.Join(tempDir, "pulumi-asset-"+recordedHash)
	if info, err := os.Stat(memo); err == nil && info.Mode().IsRegular() && info.Size() > 0 {
		uploaded, err := os.ReadFile(memo)
		require.NoError(t, err)
		return uploaded
	}
	current, err := os.ReadFile(recordedPath)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(memo, current, 0o600))
	return current
}

func hexSHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// TestTheUploadMemoAlwaysHoldsTheBuiltBytes replays the desk review's
// sequence through writeUploads, the code path `pulumi up` uses: deploy A;
// on a machine without A's memo, build B (the program overwrites the path)
// while the engine translates the old state, which stores B under A's hash;
// then deploy A again (a rollback). Without seeding the provider would
// upload B for A; with it, it uploads A. Run for each state the memo can
// be in before the rollback.
func TestTheUploadMemoAlwaysHoldsTheBuiltBytes(t *testing.T) {
	function := lambdas.Function{Name: "fn"}
	a := bundle.Package{Function: function, Zip: []byte("PK zip A")}
	b := bundle.Package{Function: function, Zip: []byte("PK zip B, the branch")}
	tests := []struct {
		name string
		// before prepares the memo for A's hash before the rollback.
		before func(t *testing.T, tempDir, path string)
	}{
		{"old memo missing, path overwritten", func(t *testing.T, tempDir, path string) {
			poisoned := bridgeTranslate(t, tempDir, hexSHA256(a.Zip), path)
			require.Equal(t, b.Zip, poisoned, "the sequence reproduces: B's bytes under A's hash")
		}},
		{"old memo right", func(t *testing.T, tempDir, path string) {
			require.NoError(t, os.WriteFile(filepath.Join(tempDir, "pulumi-asset-"+hexSHA256(a.Zip)), a.Zip, 0o600))
		}},
		{"no memo at all", func(t *testing.T, tempDir, path string) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tempDir, project := t.TempDir(), t.TempDir()
			dir := filepath.Join(project, ".build", "arm64")
			written, err := writeUploads([]bundle.Package{a}, dir, project, tempDir)
			require.NoError(t, err)
			path := filepath.Join(project, written[0].Path)
			recorded := hexSHA256(a.Zip) // the state after deploying A
			// A fresh machine: the first deploy's memos are gone.
			require.NoError(t, os.RemoveAll(tempDir))
			require.NoError(t, os.MkdirAll(tempDir, 0o755))

			_, err = writeUploads([]bundle.Package{b}, dir, project, tempDir)
			require.NoError(t, err)
			tt.before(t, tempDir, path)

			_, err = writeUploads([]bundle.Package{a}, dir, project, tempDir)
			require.NoError(t, err)
			assert.Equal(t, a.Zip, bridgeTranslate(t, tempDir, recorded, path), "the rollback to A uploads A")
			assert.Equal(t, b.Zip, bridgeTranslate(t, tempDir, hexSHA256(b.Zip), path), "a deploy of B uploads B")
		})
	}
}

// TestSeedAssetMemoReplacesAStaleMemo: the memo name is the hash of the
// bytes; whatever was there, seeding leaves exactly those bytes and no
// temporary file behind.
func TestSeedAssetMemoReplacesAStaleMemo(t *testing.T) {
	zip := []byte("PK the built zip")
	tests := []struct {
		name   string
		before []byte // nil: no memo
	}{
		{"missing", nil},
		{"stale", []byte("PK other bytes")},
		{"right", zip},
		{"empty", []byte{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tempDir := t.TempDir()
			// The bridge's name for the memo (see bridgeTranslate).
			memo := filepath.Join(tempDir, "pulumi-asset-"+hexSHA256(zip))
			if tt.before != nil {
				require.NoError(t, os.WriteFile(memo, tt.before, 0o600))
			}
			path, err := seedAssetMemo(tempDir, hexSHA256(zip), zip)
			require.NoError(t, err)
			assert.Equal(t, memo, path)
			got, err := os.ReadFile(memo)
			require.NoError(t, err)
			assert.Equal(t, zip, got)
			entries, err := os.ReadDir(tempDir)
			require.NoError(t, err)
			assert.Len(t, entries, 1, "only the memo is left")
		})
	}
}
