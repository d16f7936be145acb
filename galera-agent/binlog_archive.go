package main

// galera-agent binlog-archive: follows the local server's binary log and archives it, as segments of whole
// transactions, to the backups' storage (docs/pitr.md). It runs until stopped (SIGTERM):
//
//	mariadb-binlog --read-from-remote-server --raw --stop-never  ->  STAGING/<server's file names>
//	every ARCHIVE_INTERVAL_MS: new complete transactions of the staged file -> one segment -> PutObject
//
// State lives in the archive itself (the segment names): a restart lists the folder and continues after the last
// archived seqno. The password reaches mariadb-binlog through a 0600 option file, never its command line.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
)

// binlogArchiveGrants: what the archiver's database user needs (read the binary log as a replica, list the files
// and their first events). The loopback test creates its user with these.
const binlogArchiveGrants = "REPLICATION SLAVE, BINLOG MONITOR"

// BinlogArchiveConfig is read from the environment (docs/pitr.md).
type BinlogArchiveConfig struct {
	Host, Port, User, Password string
	Folder                     string // BINLOG_FOLDER: [prefix/]namespace/stack/binlogs (the Galera UUID is added)
	StagingDir                 string
	Interval                   time.Duration
	Tool                       string // mariadb-binlog
	ClientServerID             int    // the replica server id mariadb-binlog uses (unique among the server's replicas)
	ReadChunk                  int
	StatusAddr                 string // STATUS_ADDR: where GET /status is served (binlog_status.go); "" none
}

func LoadBinlogArchiveConfig(env Env) (BinlogArchiveConfig, error) {
	c := BinlogArchiveConfig{
		Host: env.or("DB_HOST", "127.0.0.1"), Port: env.or("DB_PORT", "3306"),
		User: env.or("BINLOG_USER", "binlog"), Password: env("BINLOG_PASSWORD"),
		Folder: strings.Trim(env("BINLOG_FOLDER"), "/"), StagingDir: env.or("STAGING_DIR", "/tmp/galera-agent-binlog"),
		Tool: env.or("MARIADB_BINLOG", "mariadb-binlog"), ReadChunk: 16 << 20,
		StatusAddr: env("STATUS_ADDR"),
	}
	if e := env.or("ENGINE", EngineMariaDBGalera); e != EngineMariaDBGalera {
		return c, fmt.Errorf("ENGINE=%q: binary log archiving is built for %s only", e, EngineMariaDBGalera)
	}
	ms, err := env.int("ARCHIVE_INTERVAL_MS", 1000)
	if err != nil || ms < 100 || ms > 60000 {
		return c, fmt.Errorf("ARCHIVE_INTERVAL_MS=%q must be from 100 to 60000", env("ARCHIVE_INTERVAL_MS"))
	}
	c.Interval = time.Duration(ms) * time.Millisecond
	if c.ClientServerID, err = env.int("BINLOG_CLIENT_SERVER_ID", 4242); err != nil || c.ClientServerID < 2 {
		return c, fmt.Errorf("BINLOG_CLIENT_SERVER_ID=%q must be a number >= 2 (1 is the nodes' server_id)", env("BINLOG_CLIENT_SERVER_ID"))
	}
	if c.Password == "" {
		return c, errors.New("BINLOG_PASSWORD is not set")
	}
	if !plainNameRE.MatchString(c.User) {
		return c, fmt.Errorf("BINLOG_USER=%q is not a plain name", c.User)
	}
	if c.Folder == "" || strings.Contains(c.Folder, "..") {
		return c, fmt.Errorf("BINLOG_FOLDER=%q must be set, without '..'", c.Folder)
	}
	return c, nil
}

// binlogServerFacts: what the archiver checks and needs before it reads anything.
type binlogServerFacts struct {
	GaleraUUID string
	Domain     uint32
	Files      []serverBinlog
}

// readBinlogServerFacts refuses a server whose binary log would not hold the cluster's whole history under
// cluster-wide GTIDs (the settings MyCnfRenderer renders with PITR on).
func readBinlogServerFacts(ctx context.Context, cfg BinlogArchiveConfig) (binlogServerFacts, error) {
	var f binlogServerFacts
	mc := mysql.NewConfig()
	mc.User, mc.Passwd, mc.Net, mc.Addr = cfg.User, cfg.Password, "tcp", net.JoinHostPort(cfg.Host, cfg.Port)
	mc.Timeout = 10 * time.Second
	conn, err := mysql.NewConnector(mc)
	if err != nil {
		return f, err
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	var logBin, slaveUpdates, gtidMode int
	if err := db.QueryRowContext(ctx, "SELECT @@log_bin, @@log_slave_updates, @@wsrep_gtid_mode, @@wsrep_gtid_domain_id").
		Scan(&logBin, &slaveUpdates, &gtidMode, &f.Domain); err != nil {
		return f, fmt.Errorf("connecting to %s as %s: %w", mc.Addr, cfg.User, err)
	}
	if logBin != 1 || slaveUpdates != 1 || gtidMode != 1 {
		return f, fmt.Errorf("the server's binary log does not hold the whole cluster under one GTID history (log_bin=%d, log_slave_updates=%d, wsrep_gtid_mode=%d; all must be 1: docs/pitr.md)", logBin, slaveUpdates, gtidMode)
	}
	var name string
	if err := db.QueryRowContext(ctx, "SHOW GLOBAL STATUS LIKE 'wsrep_cluster_state_uuid'").Scan(&name, &f.GaleraUUID); err != nil {
		return f, fmt.Errorf("reading wsrep_cluster_state_uuid: %w", err)
	}
	if !uuidRE.MatchString(f.GaleraUUID) {
		return f, fmt.Errorf("wsrep_cluster_state_uuid %q is not a UUID (is the node in a cluster?)", f.GaleraUUID)
	}
	rows, err := db.QueryContext(ctx, "SHOW BINARY LOGS")
	if err != nil {
		return f, err
	}
	var names []string
	for rows.Next() {
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		var n string
		vals[0] = &n
		for i := 1; i < len(cols); i++ {
			vals[i] = new(sql.RawBytes)
		}
		if err := rows.Scan(vals...); err != nil {
			rows.Close()
			return f, err
		}
		names = append(names, n)
	}
	rows.Close()
	for _, n := range names {
		seq, err := gtidListOfFile(ctx, db, n, f.Domain)
		if err != nil {
			return f, err
		}
		f.Files = append(f.Files, serverBinlog{Name: n, ListSeq: seq})
	}
	return f, nil
}

// gtidListOfFile: the Gtid_list event at the head of a file (SHOW BINLOG EVENTS, the first few events).
func gtidListOfFile(ctx context.Context, db *sql.DB, file string, domain uint32) (uint64, error) {
	if !binlogFileRE.MatchString(file) {
		return 0, fmt.Errorf("binary log file name %q is not a plain name", file)
	}
	rows, err := db.QueryContext(ctx, "SHOW BINLOG EVENTS IN '"+file+"' LIMIT 4")
	if err != nil {
		return 0, fmt.Errorf("reading the head of %s: %w", file, err)
	}
	defer rows.Close()
	for rows.Next() {
		var logName, evType, info string
		var pos, serverID, endPos int64
		if err := rows.Scan(&logName, &pos, &evType, &serverID, &endPos, &info); err != nil {
			return 0, err
		}
		if evType == "Gtid_list" {
			return parseGtidList(info, domain)
		}
	}
	return 0, fmt.Errorf("%s has no Gtid_list event at its head", file)
}

var binlogFileRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)

// binlogArchiver follows one staged file at a time.
type binlogArchiver struct {
	log    *slog.Logger
	cfg    BinlogArchiveConfig
	store  ArchiveStore
	domain uint32
	after  uint64 // the last archived seqno of the domain
	// the newest archived transaction time (Unix seconds)
	lastTime int64
	file     binlogFileState
	now      func() time.Time
	status   *archiveStatus
	// the later staged file seen at the last tick while the current one stood still, and the current one's size
	waitNext string
	waitSize int64
}

// tick archives every complete transaction staged since the last tick (and follows rotations).
func (a *binlogArchiver) tick(ctx context.Context) error {
	for {
		path := filepath.Join(a.cfg.StagingDir, a.file.Name)
		buf, err := readFrom(path, a.file.Offset, a.cfg.ReadChunk)
		if errors.Is(err, os.ErrNotExist) {
			return nil // mariadb-binlog has not written it yet
		}
		if err != nil {
			return err
		}
		scan, err := scanBinlog(buf, &a.file)
		if err != nil {
			return err
		}
		for next := 0; next < len(scan.Txns); {
			cut, ok := cutSegment(a.file.Header, buf, scan.Txns[next:], a.domain, a.after)
			if cut.OtherDomains > 0 {
				a.log.Warn("transactions outside the cluster's GTID domain are not archived (a node's local writes)",
					"count", cut.OtherDomains, "domain", a.domain, "file", a.file.Name)
			}
			if ok {
				if a.after != 0 && cut.Segment.First != a.after+1 {
					a.file.see(scan.Txns[next : next+cut.Start])
					prev, known := a.file.prevSeq(a.domain)
					if unlogged, ok := unloggedSegment(a.file.Header, a.domain, a.after, cut.Segment.First, prev, known, a.lastTime); ok {
						if err := a.store.PutObject(ctx, unlogged.Name(), a.file.Header); err != nil {
							return err
						}
						a.log.Info("seqnos the server did not log, recorded as an empty segment (a statement that changed"+
							" nothing, e.g. CREATE TABLE IF NOT EXISTS of an existing table)", "object", unlogged.Name(),
							"from", unlogged.First, "to", unlogged.Last, "logged_before", prev, "file", a.file.Name)
						a.after = unlogged.Last
					} else {
						a.log.Error("binlog archive gap: these seqnos are in no archived segment", "from", a.after+1,
							"to", cut.Segment.First-1, "domain", a.domain)
						a.status.problem(ArchiveProblem{Kind: ProblemGap, From: a.after + 1, To: cut.Segment.First - 1,
							After: a.lastTime})
					}
				}
				name := cut.Segment.Name()
				if err := a.store.PutObject(ctx, name, cut.Body); err != nil {
					return err
				}
				a.after = cut.Segment.Last
				a.lastTime = max(a.lastTime, cut.Segment.LastTime)
				done := a.now()
				a.status.update(func(st *ArchiverStatus) {
					st.LastSeqno, st.LastTime, st.LastUploadAt, st.Error = a.after, a.lastTime, done.UnixMilli(), ""
				})
				a.log.Info("segment archived", "object", name, "first", cut.Segment.First, "last", cut.Segment.Last,
					"bytes", len(cut.Body), "archived_at_ms", done.UnixMilli(),
					"behind_last_event_ms", done.UnixMilli()-cut.Segment.LastTime*1000)
			}
			a.file.see(scan.Txns[next : next+cut.Next])
			next += cut.Next
		}
		a.file.Offset += int64(scan.Consumed)
		if scan.Rotate == "" {
			if scan.Consumed == 0 && len(buf) == a.cfg.ReadChunk {
				a.cfg.ReadChunk *= 2 // one transaction larger than the chunk: read more next time
			}
			next, moved := a.movedOn(path, scan.Consumed)
			if !moved {
				return nil
			}
			// Seen on loopback after a donor's rotation during SST: mariadb-binlog was writing the next file while
			// the closing rotate event of this one never reached the stage. What is complete was archived; a
			// partial transaction left over would be lost here, and the next segment's seqnos then show the gap.
			if left := int64(len(buf)) - int64(scan.Consumed); left > 0 {
				a.log.Error("the staged file ends in an incomplete transaction; the archive will show a gap if it held one",
					"file", a.file.Name, "bytes", left)
			}
			a.log.Info("binary log file archived (the reader moved on without its rotate event)", "file", a.file.Name, "next", next)
			if err := os.Remove(path); err != nil {
				return err
			}
			a.file = binlogFileState{Name: next}
			continue
		}
		a.log.Info("binary log file archived", "file", a.file.Name, "next", scan.Rotate)
		if err := os.Remove(path); err != nil {
			return err
		}
		a.file = binlogFileState{Name: scan.Rotate}
	}
}

// movedOn: mariadb-binlog writes a later file, and the current one neither grew nor gave a complete event for a
// whole tick: it is closed (see tick).
func (a *binlogArchiver) movedOn(path string, consumed int) (string, bool) {
	next := nextStagedFile(a.cfg.StagingDir, a.file.Name)
	fi, err := os.Stat(path)
	if next == "" || consumed != 0 || err != nil {
		a.waitNext = ""
		return "", false
	}
	if a.waitNext == next && a.waitSize == fi.Size() {
		a.waitNext = ""
		return next, true
	}
	a.waitNext, a.waitSize = next, fi.Size()
	return "", false
}

// nextStagedFile: the first staged binary log after current (the server's names sort by number).
func nextStagedFile(dir, current string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	next := ""
	for _, e := range entries {
		n := e.Name()
		if strings.HasPrefix(n, ".") || !binlogFileRE.MatchString(n) || !laterBinlogName(n, current) {
			continue
		}
		if next == "" || laterBinlogName(next, n) {
			next = n
		}
	}
	return next
}

// laterBinlogName: a comes after b in the server's numbering (base.NNNNNN; more digits after 999999).
func laterBinlogName(a, b string) bool {
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}

// readFrom reads up to max bytes of path from offset.
func readFrom(path string, offset int64, max int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, max)
	n, err := f.ReadAt(buf, offset)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return buf[:n], nil
}

// binlogReader runs mariadb-binlog from file until it exits or ctx ends.
func binlogReader(ctx context.Context, cfg BinlogArchiveConfig, defaults, file string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, cfg.Tool, "--defaults-extra-file="+defaults,
		"--read-from-remote-server", "--raw", "--stop-never",
		"--stop-never-slave-server-id="+strconv.Itoa(cfg.ClientServerID),
		"--host="+cfg.Host, "--port="+cfg.Port, "--protocol=tcp",
		"--result-file="+cfg.StagingDir+"/", file)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	return cmd
}

// RunBinlogArchive archives until ctx ends; it returns an error only for what a restart cannot fix.
func RunBinlogArchive(ctx context.Context, log *slog.Logger, cfg BinlogArchiveConfig, env Env, status *archiveStatus) error {
	facts, err := readBinlogServerFacts(ctx, cfg)
	if err != nil {
		return err
	}
	store, err := openArchiveStore(env, cfg.Folder+"/"+facts.GaleraUUID)
	if err != nil {
		return err
	}
	names, err := store.ListObjects(ctx)
	if err != nil {
		return err
	}
	segs := segmentsOf(names, facts.Domain)
	a := &binlogArchiver{log: log, cfg: cfg, store: store, domain: facts.Domain, now: time.Now, status: status,
		after: lastArchived(segs)}
	for _, s := range segs {
		a.lastTime = max(a.lastTime, s.LastTime)
	}
	status.update(func(st *ArchiverStatus) {
		st.GaleraUUID, st.Domain, st.LastSeqno, st.LastTime = facts.GaleraUUID, facts.Domain, a.after, a.lastTime
	})
	// Breaks already in the archive (a segment deleted from the bucket, two archivers at once): reported each
	// time an archiver starts, so that a restarted operator or archiver still sees them.
	for _, p := range ArchiveGaps(segs) {
		log.Error("binlog archive "+p.Kind+" in the stored archive", "from", p.From, "to", p.To, "domain", facts.Domain)
		status.problem(p)
	}
	first, gap := startFile(facts.Files, a.after)
	if first == "" {
		return errors.New("the server lists no binary log (SHOW BINARY LOGS is empty)")
	}
	if gap != nil {
		log.Error("binlog archive gap: the server no longer has these transactions; a new full backup is needed for"+
			" points in time after them", "from", gap.From, "to", gap.To, "domain", facts.Domain)
		gap.After = a.lastTime
		status.problem(*gap)
	}
	status.update(func(st *ArchiverStatus) { st.Running = true })
	defer status.update(func(st *ArchiverStatus) { st.Running = false })
	log.Info("archiving binary logs", "location", store.Location(), "galera_uuid", facts.GaleraUUID,
		"domain", facts.Domain, "archived_through", a.after, "start_file", first, "interval", cfg.Interval.String())
	if err := os.MkdirAll(cfg.StagingDir, 0o700); err != nil {
		return err
	}
	defaults := filepath.Join(cfg.StagingDir, ".client.cnf")
	if err := os.WriteFile(defaults, []byte("[client]\nuser="+cfg.User+"\npassword="+optionValue(cfg.Password)+"\n"), 0o600); err != nil {
		return err
	}
	defer os.Remove(defaults)
	a.file = binlogFileState{Name: first}
	for ctx.Err() == nil {
		// A new reader rewrites the staged file from its start: read it again from 0 (archived seqnos are skipped).
		os.Remove(filepath.Join(cfg.StagingDir, a.file.Name))
		a.file = binlogFileState{Name: a.file.Name}
		cmd := binlogReader(ctx, cfg, defaults, a.file.Name)
		tail := &tailWriter{max: 16 << 10}
		cmd.Stdout, cmd.Stderr = tail, tail
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("starting %s: %w", cfg.Tool, err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		ticker := time.NewTicker(cfg.Interval)
		running := true
		for running {
			select {
			case <-ctx.Done():
				running = false
			case err := <-exited:
				running = false
				log.Warn("mariadb-binlog stopped; restarting it from the current file", "file", a.file.Name,
					"error", fmt.Sprint(err), "output", tail.lastLines(3))
			case <-ticker.C:
			}
			if err := a.tick(ctx); err != nil && ctx.Err() == nil {
				log.Error("archiving failed; retrying at the next tick", "file", a.file.Name, "error", err.Error())
				status.update(func(st *ArchiverStatus) { st.Error = err.Error() })
			}
		}
		ticker.Stop()
		if ctx.Err() != nil {
			<-exited
			// A last cut of what is staged already: a planned stop (a move to another node) leaves nothing behind.
			last, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			if err := a.tick(last); err != nil {
				log.Error("the last archiving before stopping failed; the next archiver continues from the archive's end",
					"file", a.file.Name, "error", err.Error())
			}
			cancel()
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(2 * time.Second):
		}
	}
	log.Info("binary log archiving stopped", "archived_through", a.after, "file", a.file.Name, "offset", a.file.Offset)
	return nil
}

func runBinlogArchiveCommand() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil)).With("component", "galera-agent-binlog-archive")
	cfg, err := LoadBinlogArchiveConfig(os.Getenv)
	if err != nil {
		log.Error("configuration", "error", err.Error())
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	status := newArchiveStatus(cfg.Host)
	if err := serveArchiveStatus(ctx, log, cfg.StatusAddr, status); err != nil {
		log.Error("status server", "error", err.Error())
		os.Exit(2)
	}
	if err := RunBinlogArchive(ctx, log, cfg, os.Getenv, status); err != nil {
		log.Error("binary log archiving failed", "error", err.Error())
		os.Exit(1)
	}
}
