package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
)

const (
	uuidA = "6b4f1a2e-0000-11ef-8000-0a580a000001"
	uuidB = "9c1d2e3f-0000-11ef-8000-0a580a000002"
)

func segName(domain uint32, first, last uint64) string {
	return ArchivedSegment{Domain: domain, First: first, Last: last, FirstTime: 1796560000 + int64(first), LastTime: 1796560000 + int64(last)}.Name()
}

func TestSegmentsToPrune(t *testing.T) {
	listing := []string{segName(1, 1, 10), segName(1, 11, 20), segName(1, 21, 30), segName(1, 31, 40), segName(0, 1, 5), segName(0, 6, 9)}
	for _, tc := range []struct {
		name     string
		names    []string
		uuid     string
		kept     []KeptBackup
		want     []string
		keptFrom map[uint32]uint64
	}{
		{"no kept backup: nothing", listing, uuidA, nil, nil, map[uint32]uint64{}},
		{"only another history's backups: nothing", listing, uuidA,
			[]KeptBackup{{"b", uuidB, "1-1-35"}}, nil, map[uint32]uint64{}},
		{"segments wholly at or before the seqno go; the one holding the next seqno stays", listing, uuidA,
			[]KeptBackup{{"b2", uuidA, "1-1-20"}}, []string{segName(1, 1, 10), segName(1, 11, 20)}, map[uint32]uint64{1: 20}},
		{"a segment holding the seqno and later ones stays", listing, uuidA,
			[]KeptBackup{{"b2", uuidA, "1-1-25"}}, []string{segName(1, 1, 10), segName(1, 11, 20)}, map[uint32]uint64{1: 25}},
		{"the smallest kept seqno decides", listing, uuidA,
			[]KeptBackup{{"b3", uuidA, "1-1-38"}, {"b2", uuidA, "1-1-12"}, {"x", uuidB, "1-1-1"}},
			[]string{segName(1, 1, 10)}, map[uint32]uint64{1: 12}},
		{"a seqno before the first segment's end: nothing", listing, uuidA,
			[]KeptBackup{{"b", uuidA, "1-1-9"}}, nil, map[uint32]uint64{1: 9}},
		{"a domain no kept backup has a seqno in is kept whole", listing, uuidA,
			[]KeptBackup{{"b", uuidA, "1-1-40"}}, []string{segName(1, 1, 10), segName(1, 11, 20), segName(1, 21, 30), segName(1, 31, 40)},
			map[uint32]uint64{1: 40}},
		{"each domain by its own seqno", listing, uuidA,
			[]KeptBackup{{"b", uuidA, "0-1-7,1-1-30"}}, []string{segName(0, 1, 5), segName(1, 1, 10), segName(1, 11, 20), segName(1, 21, 30)},
			map[uint32]uint64{0: 7, 1: 30}},
		{"a kept backup without the domain does not lower it (it cannot be a base in that domain)", listing, uuidA,
			[]KeptBackup{{"b1", uuidA, "0-1-9"}, {"b2", uuidA, "0-1-9,1-1-20"}},
			[]string{segName(0, 1, 5), segName(0, 6, 9), segName(1, 1, 10), segName(1, 11, 20)}, map[uint32]uint64{0: 9, 1: 20}},
		{"names that are not segments are never deleted",
			[]string{segName(1, 1, 10), segName(1, 1, 10) + ".partial", "D1-1-2-3-4.binlog", "manifest.json", "x/" + segName(1, 1, 5)},
			uuidA, []KeptBackup{{"b", uuidA, "1-1-40"}}, []string{segName(1, 1, 10)}, map[uint32]uint64{1: 40}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := SegmentsToPrune(tc.names, tc.uuid, tc.kept)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range plan.Delete {
				got = append(got, s.Name())
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("delete\n got %v\nwant %v", got, tc.want)
			}
			if !reflect.DeepEqual(plan.KeptFrom, tc.keptFrom) {
				t.Errorf("kept from %v, want %v", plan.KeptFrom, tc.keptFrom)
			}
		})
	}
}

func TestSegmentsToPruneRefusesABadPosition(t *testing.T) {
	for _, gtid := range []string{"", "1-1", "1-1-x", "1-1-20,", "a-1-2"} {
		if plan, err := SegmentsToPrune([]string{segName(1, 1, 10)}, uuidA, []KeptBackup{{"b", uuidA, gtid}}); err == nil {
			t.Errorf("GTID %q accepted: %+v", gtid, plan)
		}
	}
}

func TestParseKeptBackups(t *testing.T) {
	kept, err := ParseKeptBackups(`[{"backup":"b2","galeraUuid":"` + uuidA + `","gtid":"0-1-3,1-1-42"}]`)
	if err != nil || !reflect.DeepEqual(kept, []KeptBackup{{"b2", uuidA, "0-1-3,1-1-42"}}) {
		t.Fatalf("%+v %v", kept, err)
	}
	if kept, err := ParseKeptBackups(`[]`); err != nil || len(kept) != 0 {
		t.Fatalf("empty list: %+v %v", kept, err)
	}
	for _, bad := range []string{
		`nope`, `{"backup":"b"}`,
		`[{"backup":"b","galeraUuid":"","gtid":"1-1-2"}]`,         // position unknown: nothing may go
		`[{"backup":"b","galeraUuid":"../x","gtid":"1-1-2"}]`,     // not a UUID (it becomes a folder)
		`[{"backup":"b","galeraUuid":"` + uuidA + `","gtid":""}]`, // no GTID
	} {
		if _, err := ParseKeptBackups(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// pruneArchive on the volume target: only kept backups' UUID folders are touched, oldest first, and a bad
// position anywhere in KEPT_BACKUPS deletes nothing at all.
func TestPruneArchiveOnAVolume(t *testing.T) {
	root := t.TempDir()
	write := func(uuid, name string, size int) {
		dir := filepath.Join(root, "ns", "st", "binlogs", uuid)
		if err := os.MkdirAll(dir, 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), make([]byte, size), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []string{segName(1, 1, 10), segName(1, 11, 20), segName(1, 21, 30), segName(1, 31, 40) + ".partial"} {
		write(uuidA, n, 100)
	}
	write(uuidB, segName(1, 1, 5), 7) // another history: no kept backup of it
	list := func(uuid string) []string {
		entries, _ := os.ReadDir(filepath.Join(root, "ns", "st", "binlogs", uuid))
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		sort.Strings(out)
		return out
	}
	vars := map[string]string{"BINLOG_DIR": root, "BINLOG_FOLDER": "ns/st/binlogs"}
	env := func(k string) string { return vars[k] }
	open := func(folder string) (ArchiveStore, error) { return openArchiveStore(env, folder) }
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()

	if _, done, err := pruneArchive(ctx, env, open, log); done || err != nil {
		t.Fatalf("without KEPT_BACKUPS: done %v err %v", done, err)
	}
	vars[KeptBackupsEnv] = `[{"backup":"b2","galeraUuid":"` + uuidA + `","gtid":"1-1-25"},{"backup":"old","galeraUuid":"","gtid":""}]`
	if _, _, err := pruneArchive(ctx, env, open, log); err == nil {
		t.Fatal("a kept backup without a position was accepted")
	}
	if got := len(list(uuidA)); got != 4 {
		t.Fatalf("a refused prune deleted something: %d left", got)
	}
	vars[KeptBackupsEnv] = `[{"backup":"b2","galeraUuid":"` + uuidA + `","gtid":"1-1-25"}]`
	sums, done, err := pruneArchive(ctx, env, open, log)
	if err != nil || !done {
		t.Fatal(done, err)
	}
	want := []PruneSummary{{GaleraUUID: uuidA, Deleted: 2, Bytes: 200, KeptFrom: map[uint32]uint64{1: 25}}}
	if !reflect.DeepEqual(sums, want) {
		t.Fatalf("summary %+v, want %+v", sums, want)
	}
	if got, want := list(uuidA), []string{segName(1, 21, 30), segName(1, 31, 40) + ".partial"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("left %v, want %v", got, want)
	}
	if got := list(uuidB); len(got) != 1 {
		t.Fatalf("another history's folder was touched: %v", got)
	}
	// Twice is the same: nothing more to delete.
	if sums, _, err := pruneArchive(ctx, env, open, log); err != nil || sums[0].Deleted != 0 {
		t.Fatalf("second run: %+v %v", sums, err)
	}
}
