package main

// galera-agent restore: the init container of ordinal 0 of a NEW stack created with
// spec.database.restore (docs/backup.md "Restore"). It fills the EMPTY datadir from one complete backup:
//
//	manifest.json (missing: an incomplete backup, refused) -> checks (engine, server version, name)
//	  -> data object -> SHA-256 + byte count -> zstd -d -> mbstream -x into <datadir>/.messagestack-restore
//	  -> the SHA-256 and size must equal the manifest's -> mariadb-backup --prepare
//	  -> grastate.dat from the backup's Galera position (safe_to_bootstrap: 1)
//	  -> every entry moved into the datadir -> messagestack-restored (the marker), the last write
//
// Then `galera-agent start` bootstraps a new cluster from that data (ChoosePath: PathRestored) and the
// other nodes join it by state transfer. A refusal or failure writes nothing into the datadir (the staging
// folder is removed) and exits 1; nothing in the store is ever written or deleted.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/klauspost/compress/zstd"
)

// RestoreConfig is read from the environment (LoadRestoreConfig). The storage variables are the backup
// Job's (S3_*, AWS_*, BACKUP_DIR, BACKUP_FOLDER, BACKUP_NAME): one contract for both directions.
type RestoreConfig struct {
	Engine         string
	Name           string // the backup's name (manifest "backup")
	Folder         string
	S3             *S3Config
	Dir            string
	DataDir        string
	Ordinal        int
	Tool           string // mariadb-backup or xtrabackup
	Extract        string // mbstream or xbstream
	Server         string // the server binary whose version the backup must not exceed
	TerminationLog string
	// PointInTime: RESTORE_TIME and the archive (restore_pitr.go); nil restores the whole backup.
	PointInTime *PointInTimeConfig
}

var podOrdinalRE = regexp.MustCompile(`-([0-9]+)$`)

func LoadRestoreConfig(env Env, host string) (RestoreConfig, error) {
	c := RestoreConfig{Engine: env.or("ENGINE", EngineMariaDBGalera), Name: env("BACKUP_NAME"),
		Folder: strings.Trim(env("BACKUP_FOLDER"), "/"), Dir: env("BACKUP_DIR"),
		DataDir: env.or("DATADIR", "/var/lib/mysql"), TerminationLog: env.or("TERMINATION_LOG", "/dev/termination-log")}
	switch c.Engine {
	case EngineMariaDBGalera:
		c.Tool, c.Extract, c.Server = "mariadb-backup", "mbstream", "mariadbd"
	case EnginePerconaXtraDBCls:
		c.Tool, c.Extract, c.Server = "xtrabackup", "xbstream", "mysqld" // not tested here (no PXC image offline)
	default:
		return c, fmt.Errorf("ENGINE=%q is not %s or %s", c.Engine, EngineMariaDBGalera, EnginePerconaXtraDBCls)
	}
	c.Server = env.or("RESTORE_SERVER_BIN", c.Server)
	if v := env("ORDINAL"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return c, fmt.Errorf("ORDINAL=%q is not a number", v)
		}
		c.Ordinal = n
	} else if m := podOrdinalRE.FindStringSubmatch(env.or("POD_NAME", host)); m != nil {
		c.Ordinal, _ = strconv.Atoi(m[1])
	} else {
		return c, fmt.Errorf("no ordinal: POD_NAME=%q does not end in -N and ORDINAL is not set", env.or("POD_NAME", host))
	}
	pit, err := LoadPointInTime(env)
	if err != nil {
		return c, err
	}
	if pit != nil && c.Engine != EngineMariaDBGalera {
		return c, fmt.Errorf("RESTORE_TIME: point-in-time recovery is built for %s only", EngineMariaDBGalera)
	}
	c.PointInTime = pit
	if c.Name == "" || c.Folder == "" {
		return c, errors.New("BACKUP_NAME and BACKUP_FOLDER must be set (the backup to restore)")
	}
	if strings.Contains(c.Folder, "..") {
		return c, fmt.Errorf("BACKUP_FOLDER=%q holds '..'", c.Folder)
	}
	if endpoint := env("S3_ENDPOINT"); endpoint != "" {
		if c.Dir != "" {
			return c, errors.New("set S3_ENDPOINT or BACKUP_DIR, not both")
		}
		c.S3 = s3FromEnv(env, endpoint, c.Folder)
		if c.S3.Bucket == "" {
			return c, errors.New("S3_BUCKET is not set")
		}
	} else if c.Dir == "" {
		return c, errors.New("neither S3_ENDPOINT nor BACKUP_DIR is set: nowhere to read the backup from")
	}
	return c, nil
}

// ---------------------------------------------------------------- the decisions (pure)

// RestoreAction: what `galera-agent restore` does on this pod.
type RestoreAction string

const (
	RestoreRun        RestoreAction = "restore"
	RestoreSkipDone   RestoreAction = "skip-restored" // the marker: restored already (a pod restart)
	RestoreSkipMember RestoreAction = "skip-member"   // ordinal > 0: joins ordinal 0 by state transfer
	RestoreRefuse     RestoreAction = "refuse"        // the datadir holds data: never restored over
)

// RestoreFacts: this pod's datadir before anything is written. Entries are the datadir's names without
// lost+found (a fresh ext4 volume's) and the restore's own staging folder.
type RestoreFacts struct {
	Ordinal int
	Marker  bool
	Entries []string
}

// RestoreStep decides. The marker first: once restored, the init container runs again at every pod start
// and must let the server start. Only ordinal 0 restores; the others join by SST. A datadir with anything
// else in it is never restored over: a restore goes only into a new, empty stack.
func RestoreStep(f RestoreFacts) (RestoreAction, string) {
	switch {
	case f.Marker:
		return RestoreSkipDone, RestoredFileName + " present: this datadir was restored already"
	case f.Ordinal != 0:
		return RestoreSkipMember, "only ordinal 0 restores; this node joins it by state transfer"
	case len(f.Entries) > 0:
		shown := f.Entries
		if len(shown) > 5 {
			shown = append(append([]string{}, shown[:5]...), "...")
		}
		return RestoreRefuse, "the datadir is not empty (" + strings.Join(shown, " ") +
			"): a restore goes only into a new, empty stack; nothing was changed"
	}
	return RestoreRun, "ordinal 0, empty datadir"
}

// datadirEntries lists the datadir without lost+found and the staging folder.
func datadirEntries(dir string) ([]string, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, d := range des {
		if d.Name() == "lost+found" || d.Name() == RestoreStagingDirName || d.Name() == RestoreReplayDirName {
			continue
		}
		names = append(names, d.Name())
	}
	sort.Strings(names)
	return names, nil
}

var serverVersionRE = regexp.MustCompile(`([0-9]+)\.([0-9]+)\.([0-9]+)`)

// ParseServerVersion reads major.minor.patch from a VERSION() string or `mariadbd --version`.
func ParseServerVersion(s string) ([3]int, bool) {
	var v [3]int
	m := serverVersionRE.FindStringSubmatch(s)
	if m == nil {
		return v, false
	}
	for i := range v {
		v[i], _ = strconv.Atoi(m[i+1])
	}
	return v, true
}

// CheckRestoreManifest refuses a backup this restore must not use: another backup's manifest, the other
// engine, a newer server than the one that will run the data, or another release series (a physical
// backup is prepared by the tool of its own series; an upgrade goes through mariadb-upgrade, not a restore).
func CheckRestoreManifest(m Manifest, wantName, engine, runningVersion string) error {
	if m.Backup != wantName {
		return fmt.Errorf("manifest.json names backup %q, not %q: the folder holds another backup", m.Backup, wantName)
	}
	if m.Engine != engine {
		return fmt.Errorf("the backup is of engine %s, this stack runs %s: a physical backup restores only into the same engine", m.Engine, engine)
	}
	bv, ok1 := ParseServerVersion(m.ServerVersion)
	rv, ok2 := ParseServerVersion(runningVersion)
	if !ok1 || !ok2 {
		return fmt.Errorf("cannot compare server versions (backup %q, this image %q)", m.ServerVersion, runningVersion)
	}
	for i := 0; i < 3; i++ {
		if bv[i] != rv[i] {
			if bv[i] > rv[i] {
				return fmt.Errorf("the backup was taken by server %s, newer than this image's %s: restore it with an image of %d.%d.%d or newer",
					m.ServerVersion, runningVersion, bv[0], bv[1], bv[2])
			}
			break
		}
	}
	if bv[0] != rv[0] || bv[1] != rv[1] {
		return fmt.Errorf("the backup was taken by server %s, another release series than this image's %s: a physical backup is prepared by its own series",
			m.ServerVersion, runningVersion)
	}
	return nil
}

// GraStateForRestore: grastate.dat of a restored datadir: the backup's Galera position, and the one node
// that holds it may bootstrap.
func GraStateForRestore(uuid string, seqno int64) string {
	return fmt.Sprintf("# GALERA saved state\nversion: 2.1\nuuid:    %s\nseqno:   %d\nsafe_to_bootstrap: 1\n", uuid, seqno)
}

// RestoredRecord is the marker's content.
type RestoredRecord struct {
	Backup      string `json:"backup"`
	Location    string `json:"location"`
	Stack       string `json:"stack"`
	Namespace   string `json:"namespace"`
	GaleraUUID  string `json:"galeraUuid"`
	GaleraSeqno int64  `json:"galeraSeqno"`
	GTID        string `json:"gtid,omitempty"`
	Time        string `json:"time"`
	// PointInTime: the data is the backup plus every archived transaction that started before it (RFC 3339).
	PointInTime string `json:"pointInTime,omitempty"`
	// Replayed: the archived segments replayed after the backup.
	Replayed int `json:"replayedSegments,omitempty"`
}

// ---------------------------------------------------------------- the run

func runRestoreCommand() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil)).With("component", "galera-agent-restore")
	cfg, err := LoadRestoreConfig(os.Getenv, hostname())
	if err != nil {
		reportRestore(log, cfg, "", nil, fmt.Errorf("configuration: %w", err))
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	var src BackupSource
	if cfg.S3 != nil {
		src, err = NewS3Target(*cfg.S3)
	} else {
		src = &DirTarget{Root: cfg.Dir, Folder: cfg.Folder}
	}
	var action RestoreAction
	var rec *RestoredRecord
	if err == nil {
		action, rec, err = RunRestore(ctx, log, cfg, src, time.Now)
	}
	reportRestore(log, cfg, action, rec, err)
	if err != nil {
		os.Exit(1)
	}
}

func reportRestore(log *slog.Logger, cfg RestoreConfig, action RestoreAction, rec *RestoredRecord, err error) {
	var line []byte
	if err != nil {
		log.Error("restore refused or failed; nothing was written into the datadir", "backup", cfg.Name, "error", err.Error())
		line, _ = json.Marshal(map[string]string{"error": err.Error()})
	} else {
		line, _ = json.Marshal(map[string]any{"action": action, "restored": rec})
	}
	fmt.Println(string(line))
	if cfg.TerminationLog != "" {
		if werr := os.WriteFile(cfg.TerminationLog, line, 0o644); werr != nil && !errors.Is(werr, os.ErrNotExist) {
			log.Warn("could not write the termination message", "file", cfg.TerminationLog, "error", werr.Error())
		}
	}
}

// runningServerVersion: `<server> --version` of this image.
func runningServerVersion(server string) (string, error) {
	out, err := exec.Command(server, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("%s --version: %w", server, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// RunRestore decides and, when it is this pod's turn, restores. A refusal is an error.
func RunRestore(ctx context.Context, log *slog.Logger, cfg RestoreConfig, src BackupSource, now func() time.Time) (RestoreAction, *RestoredRecord, error) {
	entries, err := datadirEntries(cfg.DataDir)
	if err != nil {
		return "", nil, fmt.Errorf("reading the datadir: %w", err)
	}
	_, merr := os.Stat(filepath.Join(cfg.DataDir, RestoredFileName))
	action, why := RestoreStep(RestoreFacts{Ordinal: cfg.Ordinal, Marker: merr == nil, Entries: entries})
	log.Info("restore decision", "decision", string(action), "reason", why, "backup", cfg.Name, "location", src.Location(),
		"datadir", cfg.DataDir, "ordinal", cfg.Ordinal)
	switch action {
	case RestoreRefuse:
		return action, nil, errors.New(why)
	case RestoreSkipDone, RestoreSkipMember:
		return action, nil, nil
	}
	start := now()

	// 1. The manifest: without it the folder is no complete backup.
	body, err := src.Open(ctx, BackupManifestObject)
	if err != nil {
		if errors.Is(err, errMissingObject) {
			return action, nil, fmt.Errorf("%s has no manifest.json: not a complete backup (interrupted or failed), refused", src.Location())
		}
		return action, nil, err
	}
	raw, err := io.ReadAll(io.LimitReader(body, 1<<20))
	body.Close()
	if err != nil {
		return action, nil, fmt.Errorf("reading manifest.json: %w", err)
	}
	m, err := ParseManifest(raw)
	if err != nil {
		return action, nil, err
	}
	version, err := runningServerVersion(cfg.Server)
	if err != nil {
		return action, nil, err
	}
	if err := CheckRestoreManifest(m, cfg.Name, cfg.Engine, version); err != nil {
		return action, nil, err
	}
	log.Info("manifest accepted", "backup", m.Backup, "stack", m.Stack, "namespace", m.Namespace, "server_version", m.ServerVersion,
		"galera_position", fmt.Sprintf("%s:%d", m.GaleraUUID, m.GaleraSeqno), "gtid", m.GTID, "size", m.DataSize)
	// A restore to a point in time is planned before anything is written: a refusal leaves the datadir empty.
	var plan *replayPlan
	if cfg.PointInTime != nil {
		if plan, err = planPointInTime(ctx, cfg.PointInTime, m); err != nil {
			return action, nil, fmt.Errorf("point in time %s refused: %w", cfg.PointInTime.Time.UTC().Format(time.RFC3339), err)
		}
		log.Info("point-in-time plan", "point_in_time", cfg.PointInTime.Time.UTC().Format(time.RFC3339),
			"archive", plan.Store.Location(), "start_after", plan.Start, "segments", len(plan.Segments))
	}

	// 2. Extract into the staging folder; a leftover one is an interrupted restore's, never data.
	staging := filepath.Join(cfg.DataDir, RestoreStagingDirName)
	if err := os.RemoveAll(staging); err != nil {
		return action, nil, fmt.Errorf("removing an earlier restore's staging folder: %w", err)
	}
	if err := os.Mkdir(staging, 0o750); err != nil {
		return action, nil, err
	}
	ok := false
	defer func() {
		if !ok {
			if rerr := os.RemoveAll(staging); rerr != nil {
				log.Error("could not remove the staging folder", "folder", staging, "error", rerr.Error())
			}
		}
	}()
	if err := extract(ctx, log, cfg, src, m, staging); err != nil {
		return action, nil, err
	}
	t1 := now()
	if err := prepare(ctx, cfg, staging); err != nil {
		return action, nil, err
	}
	log.Info("prepared", "extract_seconds", int(t1.Sub(start).Seconds()), "prepare_seconds", int(now().Sub(t1).Seconds()))

	// 3. The position the prepared data holds must be the manifest's.
	infos := map[string][]byte{}
	for _, n := range []string{"mariadb_backup_galera_info", "xtrabackup_galera_info"} {
		if b, rerr := os.ReadFile(filepath.Join(staging, n)); rerr == nil {
			infos[n] = b
		}
	}
	pos, err := PositionFromFiles(infos)
	if err != nil {
		return action, nil, err
	}
	if pos.GaleraUUID != m.GaleraUUID || pos.GaleraSeqno != m.GaleraSeqno {
		return action, nil, fmt.Errorf("the data's Galera position %s:%d is not the manifest's %s:%d",
			pos.GaleraUUID, pos.GaleraSeqno, m.GaleraUUID, m.GaleraSeqno)
	}
	if err := os.WriteFile(filepath.Join(staging, GraStateFileName), []byte(GraStateForRestore(m.GaleraUUID, m.GaleraSeqno)), 0o640); err != nil {
		return action, nil, err
	}

	// 3b. To the point in time: the archived transactions after the backup, up to T.
	if plan != nil {
		t2 := now()
		if err := replay(ctx, log, cfg, plan, staging); err != nil {
			return action, nil, fmt.Errorf("replaying the binary log archive: %w", err)
		}
		log.Info("replayed", "segments", len(plan.Segments), "seconds", int(now().Sub(t2).Seconds()))
	}

	// 4. Into the datadir (renames on one volume), then the marker, the last write.
	moved, err := os.ReadDir(staging)
	if err != nil {
		return action, nil, err
	}
	for _, d := range moved {
		if err := os.Rename(filepath.Join(staging, d.Name()), filepath.Join(cfg.DataDir, d.Name())); err != nil {
			return action, nil, fmt.Errorf("moving %s into the datadir (the datadir now holds part of the restore; "+
				"delete this stack's volume of ordinal 0 and create it again): %w", d.Name(), err)
		}
	}
	ok = true
	os.Remove(staging)
	rec := &RestoredRecord{Backup: m.Backup, Location: src.Location(), Stack: m.Stack, Namespace: m.Namespace,
		GaleraUUID: m.GaleraUUID, GaleraSeqno: m.GaleraSeqno, GTID: m.GTID, Time: now().UTC().Format(time.RFC3339)}
	if plan != nil {
		rec.PointInTime, rec.Replayed = cfg.PointInTime.Time.UTC().Format(time.RFC3339), len(plan.Segments)
	}
	b, _ := json.Marshal(rec)
	if err := writeFileAtomic(filepath.Join(cfg.DataDir, RestoredFileName), append(b, '\n'), 0o640); err != nil {
		return action, nil, fmt.Errorf("writing %s: %w", RestoredFileName, err)
	}
	log.Info("restored", "backup", m.Backup, "galera_position", fmt.Sprintf("%s:%d", m.GaleraUUID, m.GaleraSeqno),
		"gtid", m.GTID, "files", len(moved), "seconds", int(now().Sub(start).Seconds()))
	return action, rec, nil
}

// extract streams the data object through SHA-256 and zstd into `mbstream -x`. The checksum and size are
// compared after the stream ends; a mismatch fails the restore before anything is prepared or moved.
func extract(ctx context.Context, log *slog.Logger, cfg RestoreConfig, src BackupSource, m Manifest, staging string) error {
	body, err := src.Open(ctx, m.DataObject)
	if err != nil {
		if errors.Is(err, errMissingObject) {
			return fmt.Errorf("%s has a manifest but no %s: refused", src.Location(), m.DataObject)
		}
		return err
	}
	defer body.Close()
	hash := sha256.New()
	count := &countingWriter{}
	dec, err := zstd.NewReader(io.TeeReader(body, io.MultiWriter(hash, count)))
	if err != nil {
		return err
	}
	defer dec.Close()
	cmd := exec.CommandContext(ctx, cfg.Extract, "-x", "-C", staging)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 30 * time.Second
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	tail := &tailWriter{max: 16 << 10}
	cmd.Stdout, cmd.Stderr = tail, tail
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", cfg.Extract, err)
	}
	log.Info("extracting", "tool", cfg.Extract, "into", staging)
	_, copyErr := io.Copy(stdin, dec)
	stdin.Close()
	// Read what the decoder did not need (a well-formed stream ends with the object), so the hash covers it all.
	if copyErr == nil {
		_, copyErr = io.Copy(io.Discard, io.TeeReader(body, io.MultiWriter(hash, count)))
	}
	waitErr := cmd.Wait()
	sum := hex.EncodeToString(hash.Sum(nil))
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("interrupted (%v)", context.Cause(ctx))
	case count.n != m.DataSize || sum != m.DataSHA256:
		return fmt.Errorf("the data object does not match the manifest (size %d, sha256 %s; manifest: size %d, sha256 %s): corrupt or replaced, refused",
			count.n, sum, m.DataSize, m.DataSHA256)
	case copyErr != nil:
		return fmt.Errorf("decompressing the data object: %w", copyErr)
	case waitErr != nil:
		return fmt.Errorf("%s -x failed (%v): %s", cfg.Extract, waitErr, tail.lastLines(5))
	}
	return nil
}

// prepare makes the copied InnoDB files consistent (applies the redo log copied during the backup).
func prepare(ctx context.Context, cfg RestoreConfig, staging string) error {
	cmd := exec.CommandContext(ctx, cfg.Tool, "--prepare", "--target-dir="+staging)
	tail := &tailWriter{max: 64 << 10}
	cmd.Stdout, cmd.Stderr = tail, tail
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s --prepare failed (%v): %s", cfg.Tool, err, tail.lastLines(5))
	}
	if !strings.Contains(tail.String(), "completed OK!") {
		return fmt.Errorf("%s --prepare exited without 'completed OK!': %s", cfg.Tool, tail.lastLines(5))
	}
	return nil
}
