package main

// The archive's index is the names of its segments (docs/pitr.md): under binlogs/GALERA_UUID/ each segment is
//
//	D<domain>-<first seqno>-<last seqno>-<first time>-<last time>.binlog
//
// with the seqnos zero-padded to 20 digits and the times (Unix seconds of the GTID events) to 10, so that a
// listing sorted by name is sorted by GTID and one listing is the whole index. Defined once here; the operator's
// BackupLayout reserves the folder.

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
)

// ArchivedSegment is one archived object: the GTID range (domain, first..last seqno, no hole inside) and the
// time range of its transactions.
type ArchivedSegment struct {
	Domain              uint32
	First, Last         uint64
	FirstTime, LastTime int64
}

const segmentSuffix = ".binlog"

var segmentNameRE = regexp.MustCompile(`^D([0-9]{1,10})-([0-9]{20})-([0-9]{20})-([0-9]{10})-([0-9]{10})\.binlog$`)

// Name is the object name of the segment (a plain file name: BackupLayout's binlog file rule).
func (s ArchivedSegment) Name() string {
	return fmt.Sprintf("D%d-%020d-%020d-%010d-%010d%s", s.Domain, s.First, s.Last, s.FirstTime, s.LastTime, segmentSuffix)
}

// ParseSegmentName reads a segment's name; ok is false for anything else (a .partial file, a stranger's object).
func ParseSegmentName(name string) (ArchivedSegment, bool) {
	m := segmentNameRE.FindStringSubmatch(name)
	if m == nil {
		return ArchivedSegment{}, false
	}
	domain, err1 := strconv.ParseUint(m[1], 10, 32)
	first, err2 := strconv.ParseUint(m[2], 10, 64)
	last, err3 := strconv.ParseUint(m[3], 10, 64)
	t1, err4 := strconv.ParseInt(m[4], 10, 64)
	t2, err5 := strconv.ParseInt(m[5], 10, 64)
	for _, err := range []error{err1, err2, err3, err4, err5} {
		if err != nil {
			return ArchivedSegment{}, false
		}
	}
	s := ArchivedSegment{Domain: uint32(domain), First: first, Last: last, FirstTime: t1, LastTime: t2}
	if first == 0 || first > last || t1 > t2 {
		return ArchivedSegment{}, false
	}
	return s, true
}

// segmentsOf reads an archive listing (object names relative to the UUID's folder), keeping the segments of
// domain, sorted by first seqno (then last, longest first).
func segmentsOf(names []string, domain uint32) []ArchivedSegment {
	var out []ArchivedSegment
	for _, n := range names {
		if s, ok := ParseSegmentName(n); ok && s.Domain == domain {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].First != out[j].First {
			return out[i].First < out[j].First
		}
		return out[i].Last > out[j].Last
	})
	return out
}

// lastArchived is the highest seqno of the domain in the archive (0: none).
func lastArchived(segs []ArchivedSegment) uint64 {
	var last uint64
	for _, s := range segs {
		last = max(last, s.Last)
	}
	return last
}
