package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// planPointInTime on a volume archive: the base is the restored backup; refusals name why, before anything is
// written. The segments are only listed here (their bodies are read by the replay).
func TestPlanPointInTime(t *testing.T) {
	root := t.TempDir()
	uuid := "6f9a3c1e-0000-4000-8000-000000000001"
	folder := "ns/src/binlogs"
	dir := filepath.Join(root, folder, uuid)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 12, 6, 14, 0, 0, 0, time.UTC).Unix()
	// seqnos 43-50 and 51-60 after the backup (GTID 1-1-42), then a gap (61-64), then 65-70.
	for _, s := range []ArchivedSegment{seg(30, 42, base-60, base-1), seg(43, 50, base+1, base+10),
		seg(51, 60, base+10, base+20), seg(65, 70, base+40, base+50)} {
		if err := os.WriteFile(filepath.Join(dir, s.Name()), []byte("x"), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	env := Env(func(k string) string {
		return map[string]string{"BINLOG_DIR": root, "BINLOG_FOLDER": folder}[k]
	})
	m := Manifest{Backup: "b1", GaleraUUID: uuid, GTID: "0-1-3,1-1-42", EndTime: time.Unix(base, 0).UTC()}
	for _, tc := range []struct {
		name    string
		at      int64
		want    int    // segments to replay
		refused string // part of the refusal
	}{
		{"within the first segment after the backup", base + 5, 1, ""},
		{"later: both segments up to the one reaching T", base + 15, 2, ""},
		{"before the backup ended", base - 30, 0, "after the point in time"},
		{"across the gap", base + 45, 0, "gap: seqnos 61 to 64"},
		{"after the last archived transaction", base + 3600, 0, "gap"},
	} {
		p, err := LoadPointInTime(func(k string) string {
			if k == "RESTORE_TIME" {
				return time.Unix(tc.at, 0).UTC().Format(time.RFC3339)
			}
			return env(k)
		})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		plan, err := planPointInTime(context.Background(), p, m)
		switch {
		case tc.refused != "" && (err == nil || !strings.Contains(err.Error(), tc.refused)):
			t.Errorf("%s: want a refusal with %q, got %v", tc.name, tc.refused, err)
		case tc.refused == "" && err != nil:
			t.Errorf("%s: refused: %v", tc.name, err)
		case tc.refused == "" && (len(plan.Segments) != tc.want || plan.Start != "1-1-42" || plan.Segments[0].First != 43):
			t.Errorf("%s: plan %+v", tc.name, plan)
		}
	}
	// Without the gap, a point after the archive's end is refused as such.
	os.Remove(filepath.Join(dir, seg(65, 70, base+40, base+50).Name()))
	p, _ := LoadPointInTime(func(k string) string {
		if k == "RESTORE_TIME" {
			return time.Unix(base+3600, 0).UTC().Format(time.RFC3339)
		}
		return env(k)
	})
	if _, err := planPointInTime(context.Background(), p, m); err == nil || !strings.Contains(err.Error(), "after the last archived transaction") {
		t.Errorf("after the archive: %v", err)
	}
	// The domain comes from the archive: a cluster that turned PITR on while running keeps domain 0.
	for _, tc := range []struct {
		given *uint32
		gtid  string
		names []string
		want  uint32
		err   string
	}{
		{nil, "0-1-5,1-1-42", []string{seg(43, 50, 1, 2).Name()}, 1, ""},
		{nil, "0-1-10076", []string{"D0-00000000000000010077-00000000000000010080-0000000001-0000000002.binlog"}, 0, ""},
		{nil, "0-1-5", []string{seg(43, 50, 1, 2).Name()}, 0, "no segment of a domain"},
		{nil, "0-1-5,1-1-42", []string{seg(43, 50, 1, 2).Name(), "D0-00000000000000000006-00000000000000000007-0000000001-0000000002.binlog"}, 0, "several domains"},
		{func() *uint32 { d := uint32(7); return &d }(), "0-1-5", nil, 7, ""},
	} {
		got, err := archiveDomain(tc.given, tc.gtid, tc.names)
		if tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) || tc.err == "" && (err != nil || got != tc.want) {
			t.Errorf("archiveDomain(%v, %q): %d, %v", tc.given, tc.gtid, got, err)
		}
	}
	// The volume target of the backups is the archive's when BINLOG_DIR is not set.
	p, _ = LoadPointInTime(func(k string) string {
		return map[string]string{"BACKUP_DIR": root, "BINLOG_FOLDER": folder, "RESTORE_TIME": time.Unix(base+5, 0).UTC().Format(time.RFC3339)}[k]
	})
	if plan, err := planPointInTime(context.Background(), p, m); err != nil || len(plan.Segments) != 1 {
		t.Errorf("BACKUP_DIR as the archive: %+v %v", plan, err)
	}
}
