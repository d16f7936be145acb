package main

// galera-agent binlog-plan: for a restore to RESTORE_TIME, chooses the base backup among BASE_MANIFESTS (the
// manifest.json files of complete backups), checks that the archive reaches RESTORE_TIME from it without a gap,
// downloads the segments to replay into OUTPUT_DIR and prints what mariadb-binlog needs (docs/pitr.md):
//
//	{"base":NAME,"startPosition":"1-1-42","stopDatetime":"2026-12-06 14:30:00","segments":[paths]}
//
// or {"error": why} and exit code 1 (T before the first backup, after the last archived transaction, a gap).
// Each downloaded segment is read back whole and must hold exactly the seqnos its name says.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// gtidOfDomain: the "domain-server-seqno" of a GTID list ("0-1-5,1-1-42") in domain, and its seqno.
func gtidOfDomain(list string, domain uint32) (string, uint64, error) {
	for _, g := range strings.Split(list, ",") {
		g = strings.TrimSpace(g)
		parts := strings.Split(g, "-")
		if len(parts) != 3 {
			continue
		}
		if d, err := strconv.ParseUint(parts[0], 10, 32); err == nil && uint32(d) == domain {
			n, err := strconv.ParseUint(parts[2], 10, 64)
			if err != nil {
				return "", 0, fmt.Errorf("GTID %q: %w", g, err)
			}
			return g, n, nil
		}
	}
	return "", 0, fmt.Errorf("the backup's GTID %q has no transaction of domain %d (was it taken with PITR's settings?)", list, domain)
}

type binlogPlanResult struct {
	Base          string   `json:"base"`
	StartPosition string   `json:"startPosition"`
	StopDatetime  string   `json:"stopDatetime"`
	Segments      []string `json:"segments"`
}

func runBinlogPlan(ctx context.Context, env Env) (*binlogPlanResult, error) {
	t, err := time.Parse(time.RFC3339, env("RESTORE_TIME"))
	if err != nil {
		return nil, fmt.Errorf("RESTORE_TIME=%q is not RFC 3339: %w", env("RESTORE_TIME"), err)
	}
	domainN, err := env.int("BINLOG_DOMAIN", 1)
	if err != nil {
		return nil, err
	}
	domain := uint32(domainN)
	folder, out := strings.Trim(env("BINLOG_FOLDER"), "/"), env("OUTPUT_DIR")
	if folder == "" || strings.Contains(folder, "..") || out == "" {
		return nil, errors.New("BINLOG_FOLDER (without '..') and OUTPUT_DIR must be set")
	}
	var backups []BaseBackup
	gtids := map[string]string{}
	uuid := ""
	for _, path := range strings.Split(env("BASE_MANIFESTS"), ",") {
		raw, err := os.ReadFile(strings.TrimSpace(path))
		if err != nil {
			return nil, fmt.Errorf("BASE_MANIFESTS: %w", err)
		}
		m, err := ParseManifest(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		gtid, seq, err := gtidOfDomain(m.GTID, domain)
		if err != nil {
			return nil, fmt.Errorf("backup %s: %w", m.Backup, err)
		}
		backups = append(backups, BaseBackup{Name: m.Backup, GaleraUUID: m.GaleraUUID, Seq: seq, EndTime: m.EndTime})
		gtids[m.Backup] = gtid
		uuid = m.GaleraUUID // one history per restore: ChooseBase keeps this UUID's backups
	}
	base, err := ChooseBase(backups, uuid, t)
	if err != nil {
		return nil, err
	}
	store, err := openArchiveStore(env, folder+"/"+base.GaleraUUID)
	if err != nil {
		return nil, err
	}
	names, err := store.ListObjects(ctx)
	if err != nil {
		return nil, err
	}
	plan, err := ReplayPlan(segmentsOf(names, domain), base, t)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(out, 0o750); err != nil {
		return nil, err
	}
	res := &binlogPlanResult{Base: base.Name, StartPosition: gtids[base.Name],
		StopDatetime: t.UTC().Format("2006-01-02 15:04:05")}
	for _, s := range plan {
		body, err := store.GetObject(ctx, s.Name())
		if err != nil {
			return nil, err
		}
		if err := checkSegmentBody(s, body); err != nil {
			return nil, err
		}
		p := filepath.Join(out, s.Name())
		if err := os.WriteFile(p, body, 0o640); err != nil {
			return nil, err
		}
		res.Segments = append(res.Segments, p)
	}
	return res, nil
}

// checkSegmentBody: a downloaded segment is a whole binary log holding exactly the seqnos its name says.
func checkSegmentBody(s ArchivedSegment, body []byte) error {
	st := &binlogFileState{Name: s.Name()}
	scan, err := scanBinlog(body, st)
	if err != nil {
		return err
	}
	if scan.Consumed != len(body) || (len(scan.Txns) == 0 && (st.Header == nil || len(body) != len(st.Header))) {
		return fmt.Errorf("%s is not whole (%d of %d bytes are complete transactions)", s.Name(), scan.Consumed, len(body))
	}
	if len(scan.Txns) == 0 {
		return nil // the header alone: seqnos the server did not log (unloggedSegment)
	}
	next := s.First
	for _, t := range scan.Txns {
		if t.Domain != s.Domain || t.Seq != next {
			return fmt.Errorf("%s holds %d-%d where %d-%d was expected", s.Name(), t.Domain, t.Seq, s.Domain, next)
		}
		next++
	}
	if next-1 != s.Last {
		return fmt.Errorf("%s ends at seqno %d, its name says %d", s.Name(), next-1, s.Last)
	}
	return nil
}

func runBinlogPlanCommand() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	res, err := runBinlogPlan(ctx, os.Getenv)
	if err != nil {
		line, _ := json.Marshal(map[string]string{"error": err.Error()})
		fmt.Println(string(line))
		os.Exit(1)
	}
	line, _ := json.Marshal(res)
	fmt.Println(string(line))
}
