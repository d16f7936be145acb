package main

// Is the archive whole from a base backup on? And what to replay to reach a time T? Pure decisions over the index
// (docs/pitr.md, "Gaps" and "Restore to a time T"): a gap, an overlap or a new history is reported with the
// seqnos involved, never skipped.

import (
	"fmt"
	"time"
)

// ArchiveProblem kinds.
const (
	ProblemGap     = "gap"     // seqnos between two segments (or after the backup) are in no segment
	ProblemOverlap = "overlap" // two segments share some seqnos but neither holds the other's: not replayable as is
)

// ArchiveProblem is the first thing that breaks the archive after the base.
type ArchiveProblem struct {
	Kind     string
	From, To uint64 // the seqnos concerned (a gap: the missing ones; an overlap: the shared ones)
	After    int64  // the last archived time before the problem (Unix seconds; 0: none)
}

func (p ArchiveProblem) Error() string {
	return fmt.Sprintf("binary log archive %s: seqnos %d to %d", p.Kind, p.From, p.To)
}

// Coverage is what the archive holds without a break from base+1 on.
type Coverage struct {
	Segments []ArchivedSegment // to replay, in order (the first may start at or before the base)
	Through  uint64            // the last seqno covered without a break (base when nothing is)
	LastTime int64             // the newest transaction time covered (0: none)
	Problem  *ArchiveProblem
}

// ArchiveCoverage walks segs (one UUID's folder, sorted by segmentsOf, one domain) from seqno base+1.
// Segments entirely at or below what is covered already are duplicates and left out; a segment that starts
// inside the covered range and ends beyond it is an overlap (it cannot be replayed in part); a segment that starts
// after the next seqno leaves a gap.
func ArchiveCoverage(segs []ArchivedSegment, base uint64) Coverage {
	c := Coverage{Through: base}
	for _, s := range segs {
		switch {
		case s.Last <= c.Through:
			continue
		case s.First > c.Through+1:
			c.Problem = &ArchiveProblem{Kind: ProblemGap, From: c.Through + 1, To: s.First - 1, After: c.LastTime}
			return c
		case s.First <= c.Through && len(c.Segments) > 0:
			c.Problem = &ArchiveProblem{Kind: ProblemOverlap, From: s.First, To: c.Through, After: c.LastTime}
			return c
		}
		c.Segments = append(c.Segments, s)
		c.Through = s.Last
		c.LastTime = max(c.LastTime, s.LastTime)
	}
	return c
}

// BaseBackup is what a restore to a time needs of a complete backup (from its manifest).
type BaseBackup struct {
	Name       string
	GaleraUUID string
	Seq        uint64 // the seqno of the cluster's domain in the backup's GTID
	EndTime    time.Time
}

// ChooseBase: the newest backup of history uuid that ended at or before t. Refused when there is none.
func ChooseBase(backups []BaseBackup, uuid string, t time.Time) (BaseBackup, error) {
	var best *BaseBackup
	for i := range backups {
		b := backups[i]
		if b.GaleraUUID != uuid || b.EndTime.After(t) {
			continue
		}
		if best == nil || b.EndTime.After(best.EndTime) {
			best = &backups[i]
		}
	}
	if best == nil {
		return BaseBackup{}, fmt.Errorf("no complete backup of %s ended at or before %s: a point in time before the first backup cannot be restored", uuid, t.UTC().Format(time.RFC3339))
	}
	return *best, nil
}

// ReplayPlan: the segments to replay after the base to reach t (every transaction that started before t), or why
// not. Refused: t before the base backup ended; a gap or overlap before t; t after the last archived transaction
// (the archive does not show that nothing happened between its end and t).
func ReplayPlan(segs []ArchivedSegment, base BaseBackup, t time.Time) ([]ArchivedSegment, error) {
	if t.Before(base.EndTime) {
		return nil, fmt.Errorf("%s is before backup %s ended (%s)", t.UTC().Format(time.RFC3339), base.Name, base.EndTime.UTC().Format(time.RFC3339))
	}
	c := ArchiveCoverage(segs, base.Seq)
	ts := t.Unix()
	// Everything that started before t is in the segments up to the first one reaching t.
	var plan []ArchivedSegment
	reached := false
	for _, s := range c.Segments {
		plan = append(plan, s)
		if s.LastTime >= ts {
			reached = true
			break
		}
	}
	if reached {
		return plan, nil
	}
	if c.Problem != nil {
		return nil, fmt.Errorf("%w; the archive after backup %s is whole only up to seqno %d (%s), before %s", *c.Problem,
			base.Name, c.Through, unixText(c.LastTime), t.UTC().Format(time.RFC3339))
	}
	return nil, fmt.Errorf("%s is after the last archived transaction (seqno %d, %s): the archive does not reach it",
		t.UTC().Format(time.RFC3339), c.Through, unixText(c.LastTime))
}

func unixText(s int64) string {
	if s == 0 {
		return "none after the backup"
	}
	return time.Unix(s, 0).UTC().Format(time.RFC3339)
}

// unloggedSegment: the archive's next segment begins after a hole (first > after+1); when the server itself logged
// nothing in the hole, the empty segment that records it. Galera gives every replicated statement a seqno of the
// cluster's domain, but MariaDB logs nothing for one that changed nothing (CREATE TABLE IF NOT EXISTS of an
// existing table, measured on 10.11), on every node: no node's log holds it, and nothing is missing. Proven only
// from one continuous read of one file: the transaction the server logged just before the segment (prev, from the
// same file, or the file's Gtid_list before its first transaction) is at or below `after`, so no logged
// transaction lies in the hole. Anything else (prev unknown, e.g. a file whose Gtid_list lacks the domain after a
// state transfer; or prev inside the hole) is a gap, reported. The empty segment is the file's header alone, a
// valid binary log that replays nothing; its time is the last archived transaction's (it claims nothing later).
func unloggedSegment(header []byte, domain uint32, after, first, prev uint64, prevKnown bool, lastTime int64) (ArchivedSegment, bool) {
	if after == 0 || first <= after+1 || !prevKnown || prev > after || header == nil || lastTime <= 0 {
		return ArchivedSegment{}, false
	}
	return ArchivedSegment{Domain: domain, First: after + 1, Last: first - 1, FirstTime: lastTime, LastTime: lastTime}, true
}
