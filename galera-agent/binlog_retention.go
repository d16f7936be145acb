package main

// Archive retention (docs/pitr.md "Archive retention"): when backup retention deletes a backup, the archived
// segments that no kept backup can use are deleted too. A restore is a base backup plus the segments after its
// GTID (binlog-plan), so a segment whose every transaction is at or before the smallest seqno of its domain among
// the kept complete backups of its Galera history can serve no restore. Everything else stays:
//   - a Galera UUID no kept backup belongs to (another history; a history without a kept backup);
//   - a domain no kept backup of that UUID has a seqno in;
//   - a segment that also holds the next seqno (it is replayed from the middle);
//   - anything whose name is not a segment (.partial files, strangers' objects);
//   - everything, when a kept backup's position is unknown or does not parse.
//
// The operator passes the kept backups in one environment variable, KEPT_BACKUPS (BackupJob.buildDelete):
//
//	[{"backup":"NAME","galeraUuid":"UUID","gtid":"d-s-n,d-s-n"}, ...]

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// KeptBackupsEnv names the variable; its format is KeptBackup's JSON, a list.
const KeptBackupsEnv = "KEPT_BACKUPS"

// KeptBackup is one complete backup retention keeps, and its position (the MessageStackBackup's status.position).
type KeptBackup struct {
	Backup     string `json:"backup"`
	GaleraUUID string `json:"galeraUuid"`
	GTID       string `json:"gtid"`
}

// ParseKeptBackups reads KEPT_BACKUPS. A kept backup without a Galera UUID or a GTID is an error: which
// history it needs is unknown, so nothing may be deleted.
func ParseKeptBackups(raw string) ([]KeptBackup, error) {
	var kept []KeptBackup
	if err := json.Unmarshal([]byte(raw), &kept); err != nil {
		return nil, fmt.Errorf("%s is not a JSON list of {backup, galeraUuid, gtid}: %w", KeptBackupsEnv, err)
	}
	for _, k := range kept {
		if !uuidRE.MatchString(k.GaleraUUID) {
			return nil, fmt.Errorf("kept backup %q: Galera UUID %q is not a UUID (its position is unknown)", k.Backup, k.GaleraUUID)
		}
		if _, err := seqnosByDomain(k.GTID); err != nil {
			return nil, fmt.Errorf("kept backup %q: %w", k.Backup, err)
		}
	}
	return kept, nil
}

// seqnosByDomain reads a GTID list "d-s-n,d-s-n" into each domain's seqno (the smallest, should a domain
// appear twice). An empty list or an entry that does not parse is an error.
func seqnosByDomain(list string) (map[uint32]uint64, error) {
	out := map[uint32]uint64{}
	for _, g := range strings.Split(list, ",") {
		g = strings.TrimSpace(g)
		parts := strings.Split(g, "-")
		if len(parts) != 3 {
			return nil, fmt.Errorf("GTID %q in %q is not domain-server-seqno", g, list)
		}
		d, err1 := strconv.ParseUint(parts[0], 10, 32)
		_, err2 := strconv.ParseUint(parts[1], 10, 32)
		n, err3 := strconv.ParseUint(parts[2], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil {
			return nil, fmt.Errorf("GTID %q in %q is not domain-server-seqno", g, list)
		}
		if old, seen := out[uint32(d)]; !seen || n < old {
			out[uint32(d)] = n
		}
	}
	return out, nil
}

// PrunePlan is what may go from one UUID folder: the segments (by first seqno) and, per domain, the seqno the
// archive is kept from (the smallest kept backup's seqno: segments ending at or before it go).
type PrunePlan struct {
	Delete   []ArchivedSegment
	KeptFrom map[uint32]uint64
}

// SegmentsToPrune: given the listing of the folder of Galera history uuid and the kept complete backups (of any
// history: only uuid's count), the segments no kept backup can use. Pure; the rules are in the file's comment.
func SegmentsToPrune(names []string, uuid string, kept []KeptBackup) (PrunePlan, error) {
	plan := PrunePlan{KeptFrom: map[uint32]uint64{}}
	for _, k := range kept {
		if k.GaleraUUID != uuid {
			continue
		}
		seqnos, err := seqnosByDomain(k.GTID)
		if err != nil {
			return PrunePlan{}, fmt.Errorf("kept backup %q: %w", k.Backup, err)
		}
		for d, n := range seqnos {
			if old, seen := plan.KeptFrom[d]; !seen || n < old {
				plan.KeptFrom[d] = n
			}
		}
	}
	for _, name := range names {
		s, ok := ParseSegmentName(name)
		if !ok {
			continue
		}
		if from, ok := plan.KeptFrom[s.Domain]; ok && s.Last <= from {
			plan.Delete = append(plan.Delete, s)
		}
	}
	// Oldest first: a prune cut short leaves the archive a contiguous tail, never a hole.
	sort.Slice(plan.Delete, func(i, j int) bool {
		a, b := plan.Delete[i], plan.Delete[j]
		if a.Domain != b.Domain {
			return a.Domain < b.Domain
		}
		if a.First != b.First {
			return a.First < b.First
		}
		return a.Last < b.Last
	})
	return plan, nil
}

// PruneSummary: what one prune deleted, per Galera UUID.
type PruneSummary struct {
	GaleraUUID string            `json:"galeraUuid"`
	Deleted    int               `json:"deleted"`
	Bytes      int64             `json:"bytes"`
	KeptFrom   map[uint32]uint64 `json:"keptFromSeqno"`
}

// pruneArchive deletes, in the archive under BINLOG_FOLDER, what no backup in KEPT_BACKUPS can use: each
// kept backup's Galera UUID folder in turn, no other. Without BINLOG_FOLDER or KEPT_BACKUPS nothing is done
// (ok is false: an older operator's Job, or a stack that never archived).
func pruneArchive(ctx context.Context, env Env, open func(folder string) (ArchiveStore, error), log *slog.Logger) (summaries []PruneSummary, ok bool, err error) {
	folder, raw := strings.Trim(env("BINLOG_FOLDER"), "/"), env(KeptBackupsEnv)
	if folder == "" || raw == "" {
		return nil, false, nil
	}
	if strings.Contains(folder, "..") {
		return nil, false, fmt.Errorf("BINLOG_FOLDER=%q must not contain '..'", folder)
	}
	kept, err := ParseKeptBackups(raw)
	if err != nil {
		return nil, false, err
	}
	var uuids []string
	for _, k := range kept {
		if !slices.Contains(uuids, k.GaleraUUID) {
			uuids = append(uuids, k.GaleraUUID)
		}
	}
	sort.Strings(uuids)
	for _, uuid := range uuids {
		store, err := open(folder + "/" + uuid)
		if err != nil {
			return summaries, true, err
		}
		sizes, err := store.ListObjectSizes(ctx)
		if err != nil {
			return summaries, true, err
		}
		names := make([]string, 0, len(sizes))
		for n := range sizes {
			names = append(names, n)
		}
		plan, err := SegmentsToPrune(names, uuid, kept)
		if err != nil {
			return summaries, true, err
		}
		sum := PruneSummary{GaleraUUID: uuid, KeptFrom: plan.KeptFrom}
		for _, s := range plan.Delete {
			if err := store.DeleteObject(ctx, s.Name()); err != nil {
				summaries = append(summaries, sum)
				return summaries, true, err
			}
			sum.Deleted++
			sum.Bytes += sizes[s.Name()]
			log.Info("archived segment deleted", "galera_uuid", uuid, "segment", s.Name(), "bytes", sizes[s.Name()],
				"kept_from_seqno", plan.KeptFrom[s.Domain])
		}
		log.Info("binlog archive pruned", "galera_uuid", uuid, "location", store.Location(), "deleted", sum.Deleted,
			"bytes", sum.Bytes, "kept_from_seqno", keptFromString(plan.KeptFrom), "objects_left", len(names)-sum.Deleted)
		summaries = append(summaries, sum)
	}
	return summaries, true, nil
}

// keptFromString: "domain:seqno,..." by domain, for the log.
func keptFromString(keptFrom map[uint32]uint64) string {
	var parts []string
	for d, n := range keptFrom {
		parts = append(parts, fmt.Sprintf("%d:%d", d, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}
