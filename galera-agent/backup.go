package main

// galera-agent backup: one physical backup of this stack's database, streamed to its storage
// (docs/backup.md). It runs in a Job next to the chosen database pod, with that pod's data volume
// mounted (mariadb-backup reads the InnoDB files directly and talks to the server over TCP):
//
//	mariadb-backup --backup --stream=xbstream --galera-info  (xtrabackup for Percona XtraDB Cluster)
//	  -> the position files are read from the stream as it passes (xbstream.go)
//	  -> zstd -> SHA-256 and byte count -> multipart upload (S3) or a .partial file (volume)
//	  -> complete, check the stored size -> manifest.json, the last write
//
// Any failure (the tool's exit code, no "completed OK!", a failed part, a signal) aborts the upload
// and writes no manifest: a folder without manifest.json is never a backup. Passwords and keys come
// only from the environment (or files) and never reach a command line or a log line.
//
// The result is one JSON line on stdout and in the termination message (TERMINATION_LOG): the
// manifest on success, {"error": ...} on failure; the operator reads it from the Job's pod.

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/klauspost/compress/zstd"
)

// BackupTarget is where a backup folder is written (S3Target, DirTarget).
type BackupTarget interface {
	Check(ctx context.Context) error
	OpenData(ctx context.Context) (DataWriter, error)
	WriteManifest(ctx context.Context, body []byte) error
	Location() string
	Delete(ctx context.Context) error
}

// DataWriter receives the compressed stream; Commit makes it complete, Abort removes it.
type DataWriter interface {
	io.Writer
	Commit(size int64) error
	Abort() error
}

// BackupConfig is read from the environment (LoadBackupConfig); see docs/backup.md for each name.
type BackupConfig struct {
	Engine, Stack, Namespace, Name, Node string
	Host, Port, User, Password           string
	DataDir, TmpDir                      string
	Tool                                 string // mariadb-backup or xtrabackup
	Folder                               string
	S3                                   *S3Config
	Dir                                  string // BACKUP_DIR: a mounted volume instead of S3
	TerminationLog                       string
	ZstdLevel                            int
}

func LoadBackupConfig(env Env) (BackupConfig, error) {
	c := BackupConfig{
		Engine: env.or("ENGINE", EngineMariaDBGalera), Stack: env("STACK"), Namespace: env("NAMESPACE"),
		Name: env("BACKUP_NAME"), Node: env("DB_POD"),
		Host: env("DB_HOST"), Port: env.or("DB_PORT", "3306"),
		User: env.or("BACKUP_USER", "backup"), Password: env("BACKUP_PASSWORD"),
		DataDir: env.or("DATADIR", "/var/lib/mysql"), TmpDir: env.or("BACKUP_TMPDIR", os.TempDir()),
		Folder: strings.Trim(env("BACKUP_FOLDER"), "/"), Dir: env("BACKUP_DIR"),
		TerminationLog: env.or("TERMINATION_LOG", "/dev/termination-log"),
	}
	var err error
	if c.ZstdLevel, err = env.int("ZSTD_LEVEL", 3); err != nil {
		return c, err
	}
	switch c.Engine {
	case EngineMariaDBGalera:
		c.Tool = "mariadb-backup"
	case EnginePerconaXtraDBCls:
		c.Tool = "xtrabackup" // same options and stream format; not tested here (no PXC image offline)
	default:
		return c, fmt.Errorf("ENGINE=%q is not %s or %s", c.Engine, EngineMariaDBGalera, EnginePerconaXtraDBCls)
	}
	for _, req := range []struct{ name, v string }{{"STACK", c.Stack}, {"NAMESPACE", c.Namespace},
		{"BACKUP_NAME", c.Name}, {"DB_POD", c.Node}, {"DB_HOST", c.Host}, {"BACKUP_PASSWORD", c.Password},
		{"BACKUP_FOLDER", c.Folder}} {
		if req.v == "" {
			return c, fmt.Errorf("%s is not set", req.name)
		}
	}
	if !plainNameRE.MatchString(c.User) {
		return c, fmt.Errorf("BACKUP_USER=%q is not a plain name", c.User)
	}
	if strings.Contains(c.Folder, "..") {
		return c, fmt.Errorf("BACKUP_FOLDER=%q holds '..'", c.Folder)
	}
	if endpoint := env("S3_ENDPOINT"); endpoint != "" {
		if c.Dir != "" {
			return c, errors.New("set S3_ENDPOINT or BACKUP_DIR, not both")
		}
		c.S3 = s3FromEnv(env, endpoint, c.Folder)
		mb, err := env.int("BACKUP_PART_MB", 16)
		if err != nil || mb < 5 || mb > 512 {
			return c, fmt.Errorf("BACKUP_PART_MB=%q must be from 5 to 512 (S3's smallest part is 5 MiB)", env("BACKUP_PART_MB"))
		}
		c.S3.PartSize = mb << 20
		if c.S3.Bucket == "" {
			return c, errors.New("S3_BUCKET is not set")
		}
	} else if c.Dir == "" {
		return c, errors.New("neither S3_ENDPOINT nor BACKUP_DIR is set: nowhere to write the backup")
	}
	return c, nil
}

// BackupArgs is the tool's command line: no password on it (it reads the defaults file, which must
// come first), the server over TCP, the stream to stdout.
func BackupArgs(c BackupConfig, defaultsFile, targetDir string) []string {
	return []string{
		"--defaults-extra-file=" + defaultsFile,
		"--backup", "--stream=xbstream", "--galera-info",
		"--datadir=" + c.DataDir, "--target-dir=" + targetDir,
		"--host=" + c.Host, "--port=" + c.Port, "--protocol=tcp",
	}
}

// backupDefaultsFile holds the user and password for the tool, mode 0600, in a private directory.
func backupDefaultsFile(dir string, c BackupConfig) (string, error) {
	p := filepath.Join(dir, "client.cnf")
	body := "[client]\nuser=" + c.User + "\npassword=" + optionValue(c.Password) + "\n"
	return p, os.WriteFile(p, []byte(body), 0o600)
}

// optionValue quotes a my.cnf value so that any character survives (the option file parser reads
// "..." with backslash escapes).
func optionValue(v string) string {
	v = strings.ReplaceAll(v, `\`, `\\`)
	v = strings.ReplaceAll(v, `"`, `\"`)
	return `"` + v + `"`
}

// BackupResult is what the run reports.
type BackupResult struct {
	Manifest Manifest
	Location string
	Files    int
}

func runBackupCommand() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil)).With("component", "galera-agent-backup")
	cfg, err := LoadBackupConfig(os.Getenv)
	if err != nil {
		reportBackup(log, cfg, nil, fmt.Errorf("configuration: %w", err))
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	var target BackupTarget
	target, err = openTarget(cfg)
	if err == nil {
		var res *BackupResult
		res, err = RunBackup(ctx, log, cfg, target, time.Now)
		if err == nil {
			reportBackup(log, cfg, res, nil)
			return
		}
	}
	reportBackup(log, cfg, nil, err)
	os.Exit(1)
}

// reportBackup prints the one result line and writes it as the termination message.
func reportBackup(log *slog.Logger, cfg BackupConfig, res *BackupResult, err error) {
	var line []byte
	if err != nil {
		log.Error("backup failed; no manifest was written", "backup", cfg.Name, "error", err.Error())
		line, _ = json.Marshal(map[string]string{"error": err.Error()})
	} else {
		var m map[string]any
		_ = json.Unmarshal(res.Manifest.Render(), &m)
		line, _ = json.Marshal(map[string]any{"manifest": m, "location": res.Location})
		log.Info("backup complete", "backup", cfg.Name, "location", res.Location, "size", res.Manifest.DataSize,
			"sha256", res.Manifest.DataSHA256, "galera_position", fmt.Sprintf("%s:%d", res.Manifest.GaleraUUID, res.Manifest.GaleraSeqno),
			"gtid", res.Manifest.GTID, "files", res.Files)
	}
	fmt.Println(string(line))
	if cfg.TerminationLog != "" {
		if werr := os.WriteFile(cfg.TerminationLog, line, 0o644); werr != nil && !errors.Is(werr, os.ErrNotExist) {
			log.Warn("could not write the termination message", "file", cfg.TerminationLog, "error", werr.Error())
		}
	}
}

// LoadBackupDeleteConfig reads what backup-delete needs: the backup's folder and its storage (no database).
func LoadBackupDeleteConfig(env Env) (BackupConfig, error) {
	full := func(k string) string {
		switch k {
		case "STACK", "NAMESPACE", "DB_POD", "DB_HOST", "BACKUP_PASSWORD":
			if env(k) == "" {
				return "-" // not used when deleting
			}
		}
		return env(k)
	}
	return LoadBackupConfig(full)
}

// runBackupDeleteCommand: galera-agent backup-delete, one complete backup removed (retention chose it).
func runBackupDeleteCommand() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil)).With("component", "galera-agent-backup-delete")
	cfg, err := LoadBackupDeleteConfig(os.Getenv)
	if err == nil {
		var target BackupTarget
		target, err = openTarget(cfg)
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			if err = target.Delete(ctx); err == nil {
				log.Info("backup deleted", "backup", cfg.Name, "location", target.Location())
				result := map[string]any{"deleted": target.Location()}
				// Then the archive's segments no kept backup can use (binlog_retention.go). A failure here does not
				// fail the Job: the backup is gone already, and the next deletion prunes the same segments.
				open := func(folder string) (ArchiveStore, error) { return openArchiveStore(os.Getenv, folder) }
				pruned, done, perr := pruneArchive(ctx, os.Getenv, open, log)
				switch {
				case perr != nil:
					log.Error("binlog archive not pruned (the next deletion tries again)", "error", perr.Error())
					result["archivePruned"], result["archivePruneError"] = pruned, perr.Error()
				case !done:
					log.Info("binlog archive not pruned: BINLOG_FOLDER or " + KeptBackupsEnv + " not set")
				default:
					result["archivePruned"] = pruned
				}
				line, _ := json.Marshal(result)
				fmt.Println(string(line))
				if cfg.TerminationLog != "" {
					_ = os.WriteFile(cfg.TerminationLog, line, 0o644)
				}
				return
			}
		}
	}
	log.Error("backup not deleted", "backup", cfg.Name, "error", err.Error())
	line, _ := json.Marshal(map[string]string{"error": err.Error()})
	fmt.Println(string(line))
	if cfg.TerminationLog != "" {
		_ = os.WriteFile(cfg.TerminationLog, line, 0o644)
	}
	os.Exit(1)
}

// serverFacts asks the server, as the backup user, what the manifest and the safety checks need.
func serverFacts(ctx context.Context, cfg BackupConfig) (version, state string, err error) {
	mc := mysql.NewConfig()
	mc.User, mc.Passwd, mc.Net, mc.Addr = cfg.User, cfg.Password, "tcp", net.JoinHostPort(cfg.Host, cfg.Port)
	mc.Timeout = 10 * time.Second
	conn, err := mysql.NewConnector(mc)
	if err != nil {
		return "", "", err
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	if err := db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		return "", "", fmt.Errorf("connecting to %s as %s: %w", mc.Addr, cfg.User, err)
	}
	var name string
	if err := db.QueryRowContext(ctx, "SHOW GLOBAL STATUS LIKE 'wsrep_local_state_comment'").Scan(&name, &state); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return version, "", nil
		}
		return version, "", err
	}
	return version, state, nil
}

// RunBackup takes one backup into target. now is the clock (tests).
func RunBackup(ctx context.Context, log *slog.Logger, cfg BackupConfig, target BackupTarget, now func() time.Time) (*BackupResult, error) {
	start := now()
	log.Info("backup starting", "backup", cfg.Name, "stack", cfg.Stack, "namespace", cfg.Namespace, "node", cfg.Node,
		"tool", cfg.Tool, "location", target.Location())
	version, state, err := serverFacts(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if state != "Synced" {
		return nil, fmt.Errorf("node %s is %q, not Synced: a backup is taken only from a Synced node", cfg.Node, state)
	}
	if err := target.Check(ctx); err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp(cfg.TmpDir, "galera-agent-backup-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	defaults, err := backupDefaultsFile(work, cfg)
	if err != nil {
		return nil, err
	}
	targetDir := filepath.Join(work, "target")
	if err := os.Mkdir(targetDir, 0o700); err != nil {
		return nil, err
	}
	data, err := target.OpenData(ctx)
	if err != nil {
		return nil, err
	}
	res, err := stream(ctx, log, cfg, defaults, targetDir, data)
	if err != nil {
		if aerr := data.Abort(); aerr != nil {
			log.Error("could not remove the unfinished data object; it has no manifest, so it is not a backup",
				"location", target.Location(), "error", aerr.Error())
		} else {
			log.Info("unfinished data object removed", "location", target.Location())
		}
		return nil, err
	}
	m := Manifest{Stack: cfg.Stack, Namespace: cfg.Namespace, Backup: cfg.Name, Engine: cfg.Engine,
		ServerVersion: version, Node: cfg.Node, StartTime: start, EndTime: now(),
		GaleraUUID: res.pos.GaleraUUID, GaleraSeqno: res.pos.GaleraSeqno, GTID: res.pos.GTID,
		DataObject: BackupDataObject, DataSize: res.size, DataSHA256: res.sha256}
	// Check what we write with the same reader the restore uses.
	if _, err := ParseManifest(m.Render()); err != nil {
		return nil, fmt.Errorf("the manifest this run would write is invalid: %w", err)
	}
	if err := target.WriteManifest(ctx, m.Render()); err != nil {
		return nil, fmt.Errorf("writing manifest.json (the data object is complete but, without it, not a backup): %w", err)
	}
	return &BackupResult{Manifest: m, Location: target.Location(), Files: res.files}, nil
}

type streamResult struct {
	pos    Position
	size   int64
	sha256 string
	files  int
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// stream runs the tool and carries its output to data. It returns only when the tool has exited.
func stream(ctx context.Context, log *slog.Logger, cfg BackupConfig, defaults, targetDir string, data DataWriter) (*streamResult, error) {
	cmd := exec.CommandContext(ctx, cfg.Tool, BackupArgs(cfg, defaults, targetDir)...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 30 * time.Second
	cmd.Dir = targetDir
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	tail := &tailWriter{max: 64 << 10}
	cmd.Stderr = tail
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", cfg.Tool, err)
	}
	log.Info("streaming", "tool", cfg.Tool, "pid", cmd.Process.Pid)

	hash := sha256.New()
	count := &countingWriter{}
	enc, err := zstd.NewWriter(io.MultiWriter(data, hash, count), zstd.WithEncoderLevel(zstd.EncoderLevelFromZstd(cfg.ZstdLevel)))
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, err
	}
	// The xbstream reader runs beside the copy, fed through a pipe; if it stops early it drains.
	pr, pw := io.Pipe()
	var wg sync.WaitGroup
	var files map[string][]byte
	var nfiles int
	var scanErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		files, nfiles, scanErr = XbstreamScan(pr)
		io.Copy(io.Discard, pr)
	}()
	_, copyErr := io.Copy(io.MultiWriter(enc, pw), stdout)
	pw.CloseWithError(copyErr)
	if copyErr != nil {
		// Stop the tool before waiting for it: it may be blocked writing to the pipe.
		cmd.Process.Signal(syscall.SIGTERM)
		io.Copy(io.Discard, stdout)
	}
	waitErr := cmd.Wait()
	wg.Wait()
	closeErr := enc.Close()
	switch {
	case ctx.Err() != nil:
		return nil, fmt.Errorf("interrupted (%v); %s stopped", context.Cause(ctx), cfg.Tool)
	case copyErr != nil:
		return nil, fmt.Errorf("writing the stream: %w", copyErr)
	case waitErr != nil:
		return nil, fmt.Errorf("%s failed (%v): %s", cfg.Tool, waitErr, tail.lastLines(5))
	case !strings.Contains(tail.String(), "completed OK!"):
		return nil, fmt.Errorf("%s exited without 'completed OK!': %s", cfg.Tool, tail.lastLines(5))
	case scanErr != nil:
		return nil, scanErr
	case closeErr != nil:
		return nil, fmt.Errorf("compressing: %w", closeErr)
	}
	pos, err := PositionFromFiles(files)
	if err != nil {
		return nil, err
	}
	if err := data.Commit(count.n); err != nil {
		return nil, err
	}
	return &streamResult{pos: pos, size: count.n, sha256: hex.EncodeToString(hash.Sum(nil)), files: nfiles}, nil
}

// tailWriter keeps the last max bytes of the tool's stderr (its progress log, for the error message).
type tailWriter struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (t *tailWriter) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = t.buf[len(t.buf)-t.max:]
	}
	return len(p), nil
}

func (t *tailWriter) String() string { t.mu.Lock(); defer t.mu.Unlock(); return string(t.buf) }

func (t *tailWriter) lastLines(n int) string {
	lines := strings.Split(strings.TrimSpace(t.String()), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// s3FromEnv: the S3 settings every backup command reads from its environment (one definition for
// backup, backup-delete and restore; the operator's BackupJob.storageSettings writes them).
func s3FromEnv(env Env, endpoint, folder string) *S3Config {
	return &S3Config{Endpoint: endpoint, Bucket: env("S3_BUCKET"), Region: env.or("S3_REGION", "us-east-1"),
		Folder: folder, AccessKey: env("AWS_ACCESS_KEY_ID"), SecretKey: env("AWS_SECRET_ACCESS_KEY"),
		CAFile: env("S3_CA_FILE"), Insecure: env("S3_TLS_VERIFY") == "false"}
}

// openTarget: the S3 bucket or the directory a backup command works on.
func openTarget(cfg BackupConfig) (BackupTarget, error) {
	if cfg.S3 != nil {
		return NewS3Target(*cfg.S3)
	}
	return &DirTarget{Root: cfg.Dir, Folder: cfg.Folder}, nil
}
