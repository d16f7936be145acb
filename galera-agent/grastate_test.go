package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const crashedGraState = `# GALERA saved state
version: 2.1
uuid:    6f1b2a3c-1d2e-11ef-9a0b-5f3c2d1e0a9b
seqno:   -1
safe_to_bootstrap: 0
`

func TestParseGraStateAfterCrash(t *testing.T) {
	st, err := ParseGraState(strings.NewReader(crashedGraState))
	if err != nil {
		t.Fatal(err)
	}
	if st.UUID != "6f1b2a3c-1d2e-11ef-9a0b-5f3c2d1e0a9b" || st.Seqno != -1 || st.SafeToBootstrap {
		t.Fatalf("unexpected %+v", st)
	}
}

func TestParseGraStateCleanShutdownOfLastNode(t *testing.T) {
	in := strings.Replace(strings.Replace(crashedGraState, "seqno:   -1", "seqno:   1234", 1), "safe_to_bootstrap: 0", "safe_to_bootstrap: 1", 1)
	st, err := ParseGraState(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if st.Seqno != 1234 || !st.SafeToBootstrap {
		t.Fatalf("unexpected %+v", st)
	}
}

func TestParseGraStateRejectsGarbage(t *testing.T) {
	if _, err := ParseGraState(strings.NewReader("uuid: x\nseqno: twelve\n")); err == nil {
		t.Fatal("expected an error for a non-numeric seqno")
	}
	if _, err := ParseGraState(strings.NewReader("hello\n")); err == nil {
		t.Fatal("expected an error without a uuid line")
	}
}

func TestReadGraStateMissingFileIsNewDatadir(t *testing.T) {
	st, err := ReadGraState(filepath.Join(t.TempDir(), "grastate.dat"))
	if err != nil || st != nil {
		t.Fatalf("want nil, nil; got %v, %v", st, err)
	}
}

func TestReadGraStateEmptyFileIsNewDatadir(t *testing.T) {
	// An SST killed right after it started leaves a zero-length grastate.dat (make test-recovery).
	p := filepath.Join(t.TempDir(), "grastate.dat")
	os.WriteFile(p, nil, 0o600)
	st, err := ReadGraState(p)
	if err != nil || st != nil {
		t.Fatalf("want nil, nil; got %v, %v", st, err)
	}
	// A file with content that does not parse is still an error (reported, never rewritten).
	os.WriteFile(p, []byte("hello\n"), 0o600)
	if _, err := ReadGraState(p); err == nil {
		t.Fatal("expected an error for a file without a uuid line")
	}
}

func TestReadRecovery(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, RecoveryFileName)
	if rec, err := ReadRecovery(p); rec != nil || err != nil {
		t.Fatalf("missing file: want nil, nil; got %v, %v", rec, err)
	}
	os.WriteFile(p, []byte(`{"uuid":"u-1","seqno":42,"safeToBootstrap":false,"source":"wsrep-recover","node":"db-1"}`), 0o600)
	rec, err := ReadRecovery(p)
	if err != nil || *rec.Seqno != 42 || rec.Source != "wsrep-recover" || rec.UUID != "u-1" {
		t.Fatalf("got %+v, %v", rec, err)
	}
	os.WriteFile(p, []byte(`{"uuid":`), 0o600)
	if _, err := ReadRecovery(p); err == nil {
		t.Fatal("expected an error for a truncated file")
	}
}
