package main

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func seg(first, last uint64, t1, t2 int64) ArchivedSegment {
	return ArchivedSegment{Domain: 1, First: first, Last: last, FirstTime: t1, LastTime: t2}
}

func TestArchiveCoverage(t *testing.T) {
	cases := []struct {
		name    string
		segs    []ArchivedSegment
		base    uint64
		through uint64
		n       int
		problem *ArchiveProblem
	}{
		{"empty archive", nil, 10, 10, 0, nil},
		{"contiguous from the base", []ArchivedSegment{seg(11, 20, 1, 2), seg(21, 30, 2, 3), seg(31, 31, 4, 4)}, 10, 31, 3, nil},
		{"the base inside the first segment", []ArchivedSegment{seg(1, 20, 1, 2), seg(21, 30, 2, 3)}, 10, 30, 2, nil},
		{"segments before the base are not needed", []ArchivedSegment{seg(1, 5, 1, 1), seg(6, 10, 1, 2), seg(11, 12, 2, 2)}, 10, 12, 1, nil},
		{"everything before the base", []ArchivedSegment{seg(1, 5, 1, 1)}, 10, 10, 0, nil},
		{"a gap after the base", []ArchivedSegment{seg(13, 20, 5, 6)}, 10, 10, 0, &ArchiveProblem{ProblemGap, 11, 12, 0}},
		{"a gap between segments", []ArchivedSegment{seg(11, 20, 1, 2), seg(22, 30, 3, 4)}, 10, 20, 1, &ArchiveProblem{ProblemGap, 21, 21, 2}},
		{"a duplicate is left out", []ArchivedSegment{seg(11, 20, 1, 2), seg(11, 20, 1, 2), seg(12, 15, 1, 1), seg(21, 22, 3, 3)}, 10, 22, 2, nil},
		{"a partial overlap is refused", []ArchivedSegment{seg(11, 20, 1, 2), seg(18, 25, 2, 3)}, 10, 20, 1, &ArchiveProblem{ProblemOverlap, 18, 20, 2}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ArchiveCoverage(c.segs, c.base)
			if got.Through != c.through || len(got.Segments) != c.n {
				t.Errorf("through %d with %d segments, want %d with %d", got.Through, len(got.Segments), c.through, c.n)
			}
			switch {
			case c.problem == nil && got.Problem != nil:
				t.Errorf("problem %v", *got.Problem)
			case c.problem != nil && (got.Problem == nil || *got.Problem != *c.problem):
				t.Errorf("problem %v, want %v", got.Problem, *c.problem)
			}
		})
	}
}

func TestChooseBase(t *testing.T) {
	u1, u2 := "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"
	at := func(s int64) time.Time { return time.Unix(s, 0) }
	backups := []BaseBackup{{"b1", u1, 10, at(100)}, {"b2", u1, 20, at(200)}, {"b3", u2, 5, at(150)}, {"b4", u1, 30, at(300)}}
	cases := []struct {
		name, uuid string
		t          int64
		want       string
		err        string
	}{
		{"the newest before t", u1, 250, "b2", ""},
		{"exactly at its end", u1, 300, "b4", ""},
		{"before the first backup", u1, 99, "", "before the first backup"},
		{"a new Galera UUID: only its own backups", u2, 400, "b3", ""},
		{"a history without backups", "33333333-3333-3333-3333-333333333333", 400, "", "no complete backup"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := ChooseBase(backups, c.uuid, at(c.t))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err %v, want %q", err, c.err)
				}
				return
			}
			if err != nil || b.Name != c.want {
				t.Fatalf("got %s %v, want %s", b.Name, err, c.want)
			}
		})
	}
}

func TestReplayPlan(t *testing.T) {
	base := BaseBackup{Name: "b1", GaleraUUID: "u", Seq: 10, EndTime: time.Unix(100, 0)}
	whole := []ArchivedSegment{seg(1, 12, 95, 101), seg(13, 20, 102, 110), seg(21, 30, 111, 120)}
	gappy := []ArchivedSegment{seg(11, 20, 101, 110), seg(25, 30, 115, 120)}
	cases := []struct {
		name  string
		segs  []ArchivedSegment
		t     int64
		want  []uint64 // first seqnos of the segments to replay
		err   string
		isGap bool
	}{
		{"t inside the second segment", whole, 105, []uint64{1, 13}, "", false},
		{"t at the last transaction", whole, 120, []uint64{1, 13, 21}, "", false},
		{"t right after the backup", whole, 100, []uint64{1}, "", false},
		{"t before the backup", whole, 99, nil, "before backup b1 ended", false},
		{"t after the last archived transaction", whole, 121, nil, "after the last archived transaction", false},
		{"nothing archived after the backup", nil, 101, nil, "after the last archived transaction", false},
		{"a gap before t", gappy, 116, nil, "gap: seqnos 21 to 24", true},
		{"a gap after t does not matter", gappy, 105, []uint64{11}, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			plan, err := ReplayPlan(c.segs, base, time.Unix(c.t, 0))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err %v, want %q", err, c.err)
				}
				var p ArchiveProblem
				if errors.As(err, &p) != c.isGap {
					t.Errorf("ArchiveProblem in the error: %v, want %v", !c.isGap, c.isGap)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var firsts []uint64
			for _, s := range plan {
				firsts = append(firsts, s.First)
			}
			if !equalSeqs(firsts, c.want) {
				t.Errorf("plan %v, want %v", firsts, c.want)
			}
		})
	}
}

func TestUnloggedSegment(t *testing.T) {
	header := cat(binlogMagic, testFDE())
	for _, tc := range []struct {
		name                string
		after, first, prev  uint64
		prevKnown           bool
		lastTime            int64
		want                bool
		wantFirst, wantLast uint64
	}{
		{"the server logged the archive's last one, then the segment's first: the hole was never logged", 388, 390, 388, true, 1000, true, 389, 389},
		{"two statements that changed nothing", 388, 391, 388, true, 1000, true, 389, 390},
		{"the file's Gtid_list (before its first transaction) is below the archive's last", 388, 390, 385, true, 1000, true, 389, 389},
		{"the transaction before the segment is inside the hole: a gap", 388, 392, 390, true, 1000, false, 0, 0},
		{"nothing known before the segment (no Gtid_list entry of the domain, e.g. after a state transfer): a gap", 388, 390, 0, false, 1000, false, 0, 0},
		{"the Gtid_list is past the archive's last (the server's log begins later): a gap", 388, 500, 499, true, 1000, false, 0, 0},
		{"no hole", 388, 389, 388, true, 1000, false, 0, 0},
		{"an empty archive has no hole", 0, 390, 0, true, 1000, false, 0, 0},
		{"no archived transaction time", 388, 390, 388, true, 0, false, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, ok := unloggedSegment(header, 1, tc.after, tc.first, tc.prev, tc.prevKnown, tc.lastTime)
			if ok != tc.want || (ok && (s.First != tc.wantFirst || s.Last != tc.wantLast || s.Domain != 1 || s.FirstTime != tc.lastTime || s.LastTime != tc.lastTime)) {
				t.Fatalf("got %+v %v", s, ok)
			}
			if ok {
				if _, parsed := ParseSegmentName(s.Name()); !parsed {
					t.Fatalf("%s does not parse as a segment name", s.Name())
				}
			}
		})
	}
}
