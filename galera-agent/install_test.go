package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// The init container's copy: the destination is this very binary, executable, and no .tmp is left.
func TestRunInstallCopiesThisBinary(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "galera-agent")
	if err := runInstall(dest); err != nil {
		t.Fatal(err)
	}
	self, _ := os.Executable()
	want, _ := os.ReadFile(self)
	got, err := os.ReadFile(dest)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("copy differs from the running binary (err %v, %d vs %d bytes)", err, len(got), len(want))
	}
	if fi, _ := os.Stat(dest); fi.Mode().Perm() != 0o755 {
		t.Errorf("mode %v, want 0755", fi.Mode().Perm())
	}
	if _, err := os.Stat(dest + ".tmp"); !os.IsNotExist(err) {
		t.Error("the temporary file is left behind")
	}
	if err := runInstall(filepath.Join(t.TempDir(), "missing", "galera-agent")); err == nil {
		t.Error("a destination folder that does not exist must be an error")
	}
}
