package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestLastClusterDomain(t *testing.T) {
	header := cat(binlogMagic, testFDE())
	gtidList := testEvent(163, 1000, 0, make([]byte, 8))
	full := cat(header, gtidList, testTxn(7, 0, 1000), testTxn(8, 0, 1001))
	for _, tc := range []struct {
		name   string
		file   []byte
		domain uint32
		found  bool
	}{
		{"the last GTID's domain", full, 0, true},
		{"the domain changed in the file: the later one", cat(full, testTxn(9, 1, 1002)), 1, true},
		{"a node's local transaction after it is skipped", cat(full, testTxn(3, 102, 1003)), 0, true},
		{"only local transactions: none", cat(header, testTxn(3, 101, 1003)), 0, false},
		{"no transaction: none", cat(header, gtidList), 0, false},
		{"empty file: none", nil, 0, false},
		{"cut inside the last event (a crash): the complete ones", cat(full, testTxn(9, 1, 1002)[:30]), 0, true},
		{"cut inside the last GTID's body", cat(full, testGTID(9, 1, 0, 1002)[:eventHeaderLen+5]), 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, found, err := lastClusterDomain(bytes.NewReader(tc.file))
			if err != nil || d != tc.domain || found != tc.found {
				t.Fatalf("got %d %v %v, want %d %v", d, found, err, tc.domain, tc.found)
			}
		})
	}
	if _, _, err := lastClusterDomain(bytes.NewReader([]byte("not a binlog"))); err == nil {
		t.Fatal("a file without the magic number was accepted")
	}
}

func TestClusterDomainOfBinlogs(t *testing.T) {
	dir := t.TempDir()
	header := cat(binlogMagic, testFDE())
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, found, err := clusterDomainOfBinlogs(dir, "mysql-bin"); found || err != nil {
		t.Fatalf("no index: found %v, err %v", found, err)
	}
	// The newest file was started by the crash recovery's start and holds only a local transaction: the file
	// before it decides. The oldest one (domain 1) is older history. A purged file listed in the index is skipped.
	write("mysql-bin.000001", cat(header, testTxn(1, 1, 1000)))
	write("mysql-bin.000003", cat(header, testTxn(5, 0, 1001), testTxn(6, 0, 1002)))
	write("mysql-bin.000004", cat(header, testTxn(1, 100, 1003)))
	write("mysql-bin.index", []byte("./mysql-bin.000001\n./mysql-bin.000002\n./mysql-bin.000003\n./mysql-bin.000004\n"))
	d, file, found, err := clusterDomainOfBinlogs(dir, "mysql-bin")
	if err != nil || !found || d != 0 || file != filepath.Join(dir, "mysql-bin.000003") {
		t.Fatalf("got %d %s %v %v, want domain 0 from mysql-bin.000003", d, file, found, err)
	}
}

func TestKeepDomainArgs(t *testing.T) {
	if got := KeepDomainArgs(0, true); !reflect.DeepEqual(got, []string{"--wsrep-gtid-domain-id=0"}) {
		t.Fatalf("domain 0 found: %v", got)
	}
	if got := KeepDomainArgs(0, false); got != nil {
		t.Fatalf("nothing found: %v, want no option (the configured domain)", got)
	}
}
