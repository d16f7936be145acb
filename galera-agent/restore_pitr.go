package main

// The point-in-time part of `galera-agent restore` (docs/pitr.md, "Restore to a time T"), when RESTORE_TIME is
// set: before anything is written, the replay plan from the backup being restored to T (refused: T before the
// backup ended, a gap or overlap before T, T after the last archived transaction); after --prepare, the prepared
// data is started alone (no network, no Galera, no binary log) and the archived segments are replayed into it
// with mariadb-binlog --start-position=<backup GTID> --stop-datetime=T, then it is shut down cleanly. The new
// cluster then bootstraps from it as from any restore; nothing is written to or deleted from the store.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
)

// RestoreReplayDirName: the replay's scratch folder (segments, socket, error log) next to the staging folder on
// the datadir's volume; removed after the replay, and, like the staging folder, never taken for data.
const RestoreReplayDirName = RestoreStagingDirName + "-replay"

// PointInTimeConfig: RESTORE_TIME (RFC 3339), BINLOG_FOLDER ([prefix/]namespace/stack/binlogs of the backup's
// stack), BINLOG_DOMAIN (the cluster's wsrep_gtid_domain_id; unset: the domain of the backup's GTID that the archive
// holds, see archiveDomain).
type PointInTimeConfig struct {
	Time   time.Time
	Folder string
	Domain *uint32
	// Archive opens the folder of one Galera history (S3_* as for the backup, or BINLOG_DIR / BACKUP_DIR).
	Archive func(galeraUUID string) (ArchiveStore, error)
}

// LoadPointInTime: nil when RESTORE_TIME is not set (a whole-backup restore).
func LoadPointInTime(env Env) (*PointInTimeConfig, error) {
	raw := env("RESTORE_TIME")
	if raw == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, raw)
	if err != nil {
		return nil, fmt.Errorf("RESTORE_TIME=%q is not RFC 3339: %w", raw, err)
	}
	var domain *uint32
	if raw := env("BINLOG_DOMAIN"); raw != "" {
		n, err := strconv.ParseUint(raw, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("BINLOG_DOMAIN=%q is not a domain id", raw)
		}
		d := uint32(n)
		domain = &d
	}
	folder := strings.Trim(env("BINLOG_FOLDER"), "/")
	if folder == "" || strings.Contains(folder, "..") {
		return nil, fmt.Errorf("BINLOG_FOLDER=%q must be set, without '..' (the archive of the backup's stack)", folder)
	}
	archiveEnv := Env(func(name string) string {
		if name == "BINLOG_DIR" && env("BINLOG_DIR") == "" {
			return env("BACKUP_DIR") // the volume target: the archive is on the backups' volume
		}
		return env(name)
	})
	return &PointInTimeConfig{Time: t, Folder: folder, Domain: domain,
		Archive: func(uuid string) (ArchiveStore, error) { return openArchiveStore(archiveEnv, folder+"/"+uuid) }}, nil
}

// replayPlan is what the replay needs, decided before the datadir is touched.
type replayPlan struct {
	Store    ArchiveStore
	Start    string // the backup's GTID in the cluster's domain (exclusive start)
	Stop     string // T as mariadb-binlog's --stop-datetime, in UTC
	Segments []ArchivedSegment
}

// planPointInTime: the base is the backup being restored (spec.database.restore names it); the archive must be
// whole from its GTID to T.
func planPointInTime(ctx context.Context, p *PointInTimeConfig, m Manifest) (*replayPlan, error) {
	if m.EndTime.After(p.Time) {
		return nil, fmt.Errorf("backup %s ended at %s, after the point in time %s: choose an earlier backup",
			m.Backup, m.EndTime.UTC().Format(time.RFC3339), p.Time.UTC().Format(time.RFC3339))
	}
	store, err := p.Archive(m.GaleraUUID)
	if err != nil {
		return nil, err
	}
	names, err := store.ListObjects(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the binary log archive %s: %w", store.Location(), err)
	}
	domain, err := archiveDomain(p.Domain, m.GTID, names)
	if err != nil {
		return nil, err
	}
	gtid, seq, err := gtidOfDomain(m.GTID, domain)
	if err != nil {
		return nil, err
	}
	base, err := ChooseBase([]BaseBackup{{Name: m.Backup, GaleraUUID: m.GaleraUUID, Seq: seq, EndTime: m.EndTime}},
		m.GaleraUUID, p.Time)
	if err != nil {
		return nil, err
	}
	segs, err := ReplayPlan(segmentsOf(names, domain), base, p.Time)
	if err != nil {
		return nil, err
	}
	return &replayPlan{Store: store, Start: gtid, Stop: p.Time.UTC().Format("2006-01-02 15:04:05"), Segments: segs}, nil
}

// archiveDomain: the cluster's replication domain for this restore. Given (BINLOG_DOMAIN): that one. Otherwise the
// domain of the backup's GTID list that the archive holds segments of: the archiver archives exactly the cluster's
// wsrep_gtid_domain_id, which is 1 for a cluster created with PITR on but stays what it was (0) when PITR is turned
// on for a running cluster (a joiner takes the domain from its donor). Refused when none or several match.
func archiveDomain(given *uint32, backupGTID string, names []string) (uint32, error) {
	if given != nil {
		return *given, nil
	}
	archived := map[uint32]bool{}
	for _, n := range names {
		if s, ok := ParseSegmentName(n); ok {
			archived[s.Domain] = true
		}
	}
	var found []uint32
	for _, g := range strings.Split(backupGTID, ",") {
		parts := strings.Split(strings.TrimSpace(g), "-")
		if len(parts) != 3 {
			continue
		}
		if d, err := strconv.ParseUint(parts[0], 10, 32); err == nil && archived[uint32(d)] {
			found = append(found, uint32(d))
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return 0, fmt.Errorf("the archive holds no segment of a domain in the backup's GTID %q (nothing archived since the backup's history began?)", backupGTID)
	default:
		return 0, fmt.Errorf("the archive holds segments of several domains of the backup's GTID %q: set BINLOG_DOMAIN", backupGTID)
	}
}

// replay downloads the plan's segments (each checked against its name), starts the prepared data in staging alone,
// replays the segments up to T and stops the server cleanly.
func replay(ctx context.Context, log *slog.Logger, cfg RestoreConfig, plan *replayPlan, staging string) (err error) {
	dir := filepath.Join(cfg.DataDir, RestoreReplayDirName)
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o750); err != nil {
		return err
	}
	defer func() {
		if rerr := os.RemoveAll(dir); rerr != nil && err == nil {
			err = rerr
		}
	}()
	var files []string
	for _, s := range plan.Segments {
		body, err := plan.Store.GetObject(ctx, s.Name())
		if err != nil {
			return fmt.Errorf("reading segment %s: %w", s.Name(), err)
		}
		if err := checkSegmentBody(s, body); err != nil {
			return err
		}
		f := filepath.Join(dir, s.Name())
		if err := os.WriteFile(f, body, 0o640); err != nil {
			return err
		}
		files = append(files, f)
	}
	log.Info("replaying the archive", "segments", len(files), "start_after", plan.Start, "stop_datetime_utc", plan.Stop)
	socket := filepath.Join(dir, "mysqld.sock")
	server := exec.CommandContext(ctx, cfg.Server, "--no-defaults", "--datadir="+staging, "--socket="+socket,
		"--pid-file="+filepath.Join(dir, "mysqld.pid"), "--tmpdir="+filepath.Join(dir, "tmp"),
		"--log-error="+filepath.Join(dir, "error.log"), "--skip-networking", "--skip-grant-tables", "--skip-log-bin")
	server.Cancel = func() error { return server.Process.Signal(syscall.SIGTERM) }
	server.WaitDelay = 2 * time.Minute
	if err := server.Start(); err != nil {
		return fmt.Errorf("starting %s on the prepared data: %w", cfg.Server, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- server.Wait() }()
	stopped := false
	defer func() {
		if !stopped {
			_ = server.Process.Signal(syscall.SIGTERM)
			<-exited
		}
	}()
	if err := waitForSocket(ctx, socket, exited, 5*time.Minute); err != nil {
		return fmt.Errorf("%w: %s", err, lastLinesOf(filepath.Join(dir, "error.log"), 5))
	}
	if err := applySegments(ctx, plan, files, socket); err != nil {
		return err
	}
	// A clean shutdown: InnoDB is consistent on disk before the Galera bootstrap reads it.
	if err := server.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	stopped = true
	select {
	case werr := <-exited:
		if werr != nil {
			return fmt.Errorf("the replay server did not stop cleanly (%v): %s", werr, lastLinesOf(filepath.Join(dir, "error.log"), 5))
		}
	case <-time.After(5 * time.Minute):
		_ = server.Process.Kill()
		<-exited
		return errors.New("the replay server did not stop within 5 minutes")
	}
	return nil
}

// applySegments: mariadb-binlog (strict GTID order, from after the backup's GTID, stopping at T) into the client.
func applySegments(ctx context.Context, plan *replayPlan, files []string, socket string) error {
	args := append([]string{"--no-defaults", "--start-position=" + plan.Start, "--stop-datetime=" + plan.Stop}, files...)
	dump := exec.CommandContext(ctx, "mariadb-binlog", args...)
	dump.Env = append(os.Environ(), "TZ=UTC") // --stop-datetime is read in the local time zone
	// The replay server runs with --skip-grant-tables (nobody's password is needed), where account statements
	// (GRANT, CREATE USER: the agent's own at every node start, a person's) fail with 1290; FLUSH PRIVILEGES
	// first loads the grant tables, and this session keeps every privilege.
	apply := exec.CommandContext(ctx, "mariadb", "--no-defaults", "--socket="+socket, "--user=root", "--binary-mode",
		"--init-command=FLUSH PRIVILEGES")
	pipe, err := dump.StdoutPipe()
	if err != nil {
		return err
	}
	apply.Stdin = pipe
	dumpErr, applyErr := &tailWriter{max: 16 << 10}, &tailWriter{max: 16 << 10}
	dump.Stderr, apply.Stderr, apply.Stdout = dumpErr, applyErr, io.Discard
	if err := apply.Start(); err != nil {
		return fmt.Errorf("starting mariadb: %w", err)
	}
	if err := dump.Start(); err != nil {
		_ = apply.Process.Kill()
		_ = apply.Wait()
		return fmt.Errorf("starting mariadb-binlog: %w", err)
	}
	// The client first: when it stops on an error, mariadb-binlog is stopped too (it would wait forever on a pipe
	// nobody reads: this process holds the pipe's read end until dump.Wait).
	aerr := apply.Wait()
	if aerr != nil {
		_ = dump.Process.Kill()
	}
	derr := dump.Wait()
	if aerr != nil {
		return fmt.Errorf("applying the archive failed (%v): %s", aerr, applyErr.lastLines(3))
	}
	if derr != nil {
		return fmt.Errorf("mariadb-binlog failed (%v): %s", derr, dumpErr.lastLines(3))
	}
	return nil
}

// waitForSocket: the server answers on its socket (or exited, or the timeout passed).
func waitForSocket(ctx context.Context, socket string, exited chan error, timeout time.Duration) error {
	mc := mysql.NewConfig()
	mc.User, mc.Net, mc.Addr, mc.Timeout = "root", "unix", socket, 5*time.Second
	deadline := time.Now().Add(timeout)
	for {
		if conn, err := mysql.NewConnector(mc); err == nil {
			db := sql.OpenDB(conn)
			perr := db.PingContext(ctx)
			db.Close()
			if perr == nil {
				return nil
			}
		}
		select {
		case err := <-exited:
			exited <- err // for the caller's wait
			return fmt.Errorf("the replay server exited while starting (%v)", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the replay server did not answer within %s", timeout)
		}
	}
}

func lastLinesOf(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
