package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

// The contract file the Java BackupManifest is tested against: one definition, two implementations.
const manifestContract = "../operator/src/test/resources/backup/manifest-v1.json"

func TestManifestRoundTripsTheContractFileByteForByte(t *testing.T) {
	raw, err := os.ReadFile(manifestContract)
	if err != nil {
		t.Fatalf("the contract file must exist: %v", err)
	}
	m, err := ParseManifest(raw)
	if err != nil {
		t.Fatalf("the contract file must parse: %v", err)
	}
	if m.Backup != "demo-20261206-0300" || m.GaleraSeqno != 48213 || m.GTID != "0-1-48213" ||
		m.DataSize != 7340032 || m.DataObject != BackupDataObject ||
		!m.EndTime.Equal(time.Date(2026, 12, 6, 3, 1, 17, 0, time.UTC)) {
		t.Fatalf("fields read wrongly: %+v", m)
	}
	if got := m.Render(); !bytes.Equal(got, raw) {
		t.Fatalf("Render differs from the contract file:\n%s\n---- want ----\n%s", got, raw)
	}
}

func TestManifestWithoutGTIDWritesNull(t *testing.T) {
	raw, _ := os.ReadFile(manifestContract)
	m, _ := ParseManifest(raw)
	m.GTID = ""
	out := m.Render()
	if !strings.Contains(string(out), `"gtid" : null`) {
		t.Fatalf("gtid should be null: %s", out)
	}
	back, err := ParseManifest(out)
	if err != nil || back.GTID != "" {
		t.Fatalf("null gtid must read back as empty: %v %+v", err, back)
	}
}

func TestManifestRefusesBrokenFieldsByName(t *testing.T) {
	raw, _ := os.ReadFile(manifestContract)
	good := string(raw)
	cases := []struct{ old, new, field string }{
		{`"formatVersion" : 1`, `"formatVersion" : 2`, "formatVersion"},
		{`"engine" : "mariadb-galera"`, `"engine" : "mysql"`, "engine"},
		{`"galeraUuid" : "69a5882d`, `"galeraUuid" : "X9a5882d`, "position.galeraUuid"},
		{`"galeraSeqno" : 48213`, `"galeraSeqno" : -1`, "position.galeraSeqno"},
		{`"size" : 7340032`, `"size" : -5`, "data.size"},
		{`"sha256" : "9f86`, `"sha256" : "9F86`, "data.sha256"},
		{`"compression" : "zstd"`, `"compression" : "gzip"`, "data.compression"},
		{`"startTime" : "2026-12-06T03:00:02Z"`, `"startTime" : "yesterday"`, "startTime"},
		{`"node" : "demo-db-1"`, `"node" : ""`, "node"},
		{`"stack" : "demo",`, `"stack" : "demo", "extra" : 1,`, "extra"},
	}
	for _, c := range cases {
		broken := strings.Replace(good, c.old, c.new, 1)
		if broken == good {
			t.Fatalf("case %s did not change the file", c.field)
		}
		_, err := ParseManifest([]byte(broken))
		if err == nil || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: want a refusal naming it, got %v", c.field, err)
		}
	}
}
