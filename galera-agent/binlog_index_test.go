package main

import (
	"reflect"
	"testing"
)

func TestSegmentNames(t *testing.T) {
	s := ArchivedSegment{Domain: 1, First: 42, Last: 97, FirstTime: 1796561234, LastTime: 1796561235}
	name := s.Name()
	if name != "D1-00000000000000000042-00000000000000000097-1796561234-1796561235.binlog" {
		t.Fatalf("name %s", name)
	}
	if len(name) > 128 {
		t.Fatalf("longer than BackupLayout's 128 characters")
	}
	if back, ok := ParseSegmentName(name); !ok || back != s {
		t.Fatalf("read back %+v %v", back, ok)
	}
	for _, bad := range []string{
		"", "manifest.json", name + ".partial", "D1-42-97-1796561234-1796561235.binlog",
		"D1-00000000000000000097-00000000000000000042-1796561234-1796561235.binlog", // first > last
		"D1-00000000000000000042-00000000000000000097-1796561239-1796561235.binlog", // times reversed
		"D1-00000000000000000000-00000000000000000097-1796561234-1796561235.binlog", // seqno 0 is no GTID
		"D99999999999-00000000000000000042-00000000000000000097-1796561234-1796561235.binlog",
		"D1-99999999999999999999-99999999999999999999-1796561234-1796561235.binlog", // beyond uint64
	} {
		if _, ok := ParseSegmentName(bad); ok {
			t.Errorf("%q read as a segment", bad)
		}
	}
}

func TestSegmentsOfSortsByGTIDAndKeepsTheDomain(t *testing.T) {
	a := ArchivedSegment{1, 1, 10, 100, 110}
	b := ArchivedSegment{1, 11, 20, 110, 120}
	b2 := ArchivedSegment{1, 11, 15, 110, 115}
	other := ArchivedSegment{2, 1, 5, 100, 100}
	got := segmentsOf([]string{b2.Name(), other.Name(), b.Name(), "x.partial", a.Name()}, 1)
	if want := []ArchivedSegment{a, b, b2}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v want %+v", got, want)
	}
	if lastArchived(got) != 20 || lastArchived(nil) != 0 {
		t.Fatalf("lastArchived")
	}
}
