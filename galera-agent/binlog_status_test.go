package main

import (
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"
)

func TestArchiveGaps(t *testing.T) {
	for _, tc := range []struct {
		name string
		segs []ArchivedSegment
		want []ArchiveProblem
	}{
		{"empty archive", nil, nil},
		{"one segment", []ArchivedSegment{seg(5, 9, 100, 101)}, nil},
		{"contiguous", []ArchivedSegment{seg(1, 4, 100, 100), seg(5, 9, 101, 102), seg(10, 10, 103, 103)}, nil},
		{"a duplicate is no break", []ArchivedSegment{seg(1, 9, 100, 102), seg(3, 5, 100, 101), seg(10, 11, 103, 103)}, nil},
		{"one gap", []ArchivedSegment{seg(1, 4, 100, 100), seg(8, 9, 105, 106)},
			[]ArchiveProblem{{Kind: ProblemGap, From: 5, To: 7, After: 100}}},
		{"two gaps, the archive goes on after each", []ArchivedSegment{seg(1, 4, 100, 100), seg(6, 9, 105, 106), seg(20, 21, 110, 111)},
			[]ArchiveProblem{{Kind: ProblemGap, From: 5, To: 5, After: 100}, {Kind: ProblemGap, From: 10, To: 19, After: 106}}},
		{"an overlap (two archivers cut differently)", []ArchivedSegment{seg(1, 6, 100, 101), seg(4, 9, 100, 102)},
			[]ArchiveProblem{{Kind: ProblemOverlap, From: 4, To: 6, After: 101}}},
	} {
		if got := ArchiveGaps(tc.segs); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestArchiveStatusServesProblemsBounded(t *testing.T) {
	s := newArchiveStatus("db-1.peers")
	s.now = func() time.Time { return time.Unix(1796561234, 0) }
	for i := 0; i < maxReportedProblems+3; i++ {
		s.problem(ArchiveProblem{Kind: ProblemGap, From: uint64(10 * i), To: uint64(10*i + 1), After: 7})
	}
	s.update(func(st *ArchiverStatus) { st.LastSeqno, st.LastTime, st.Running = 42, 1796561200, true })
	rec := httptest.NewRecorder()
	s.handler().ServeHTTP(rec, httptest.NewRequest("GET", "/status", nil))
	var got ArchiverStatus
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, rec.Body.String())
	}
	if !got.Running || got.Host != "db-1.peers" || got.LastSeqno != 42 || got.LastTime != 1796561200 {
		t.Errorf("status %+v", got)
	}
	if len(got.Problems) != maxReportedProblems || got.Problems[0].From != 30 || got.Problems[0].DetectedAt != 1796561234 {
		t.Errorf("problems: the newest %d kept, got %d starting at %+v", maxReportedProblems, len(got.Problems), got.Problems[0])
	}
	rec = httptest.NewRecorder()
	s.handler().ServeHTTP(rec, httptest.NewRequest("POST", "/status", nil))
	if rec.Code != 405 {
		t.Errorf("POST /status: %d", rec.Code)
	}
	var none *archiveStatus
	none.problem(ArchiveProblem{Kind: ProblemGap}) // a nil status records nothing and does not panic
}
