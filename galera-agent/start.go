package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// `galera-agent start`: the database container's entry point. It decides, and says in one log line,
// whether this node bootstraps a NEW cluster, joins the Primary component of its peers, or (after a
// full crash) records its position in the recovery file and waits for a Primary peer or the bootstrap
// marker. The decisions are the pure functions of decide.go; this file does the I/O they need and
// follows them. Nothing here removes grastate.dat or the datadir.

// Starter holds one start's state: the position found and the server process.
type Starter struct {
	cfg    StartConfig
	eng    Engine
	log    *StartLog
	socket string

	// This node's position (REC_* in the old script).
	gs        GraState
	recUUID   string
	recSeqno  int64
	recSource PositionSource
	recState  string
	recError  string
	attempts  int

	server     *exec.Cmd
	serverDone chan struct{}
	running    atomic.Bool
}

func runStart() {
	if runAsInit() {
		return
	}
	hostname := hostname()
	log := &StartLog{Out: os.Stdout, Node: env("POD_NAME", hostname), T0: time.Now(), Now: time.Now}
	cfg, err := LoadStartConfig(osEnv, hostname, func() string { return lookupFirst(hostname) })
	if err != nil {
		log.Error(err.Error())
		os.Exit(1)
	}
	s := &Starter{cfg: cfg, log: log, recSeqno: -1, recSource: "none", recState: RecoveryWaiting}
	s.handleSignals()
	s.main()
}

func (s *Starter) die(msg string, kv ...string) {
	s.log.Error(msg, kv...)
	os.Exit(1)
}

func (s *Starter) path(name string) string    { return filepath.Join(s.cfg.DataDir, name) }
func (s *Starter) runPath(name string) string { return filepath.Join(s.cfg.RunDir, name) }

func (s *Starter) main() {
	c := &s.cfg
	eng, err := DetectEngine(c.Engine, c.SSTPassword)
	if err != nil {
		s.die(err.Error())
	}
	s.eng = eng
	s.writeConfig()
	if syscall.Access(c.DataDir, 2) != nil {
		s.die("datadir is not writable", "datadir", c.DataDir, "uid", strconv.Itoa(os.Getuid()),
			"fix", "mount the volume with fsGroup or chown it to the mysql user")
	}
	s.log.Info("starting", "engine", eng.Kind, "server", eng.Server, "provider", eng.Provider, "sst", eng.SST,
		"ordinal", strconv.Itoa(c.Ordinal), "cluster_address", ClusterAddress(c.Peers), "node_address", c.NodeAddress,
		"datadir", c.DataDir, "conf_dir", c.ConfDir)
	// A marker or recovery file from an earlier run is stale: decisions are made afresh now.
	for _, f := range []string{BootstrapFileName, RecoveryFileName, DrainFileName} {
		os.Remove(s.path(f))
	}

	switch ChoosePath(s.localFacts()) {
	case PathEmpty:
		if agent, answers, ok := s.primaryPeer(); ok {
			s.join("empty datadir; peer agent "+agent+" reports a Primary component (state transfer follows)", answers)
		}
		if c.Ordinal == 0 {
			s.waitForDecision(WaitNewCluster)
		}
		s.waitForDecision(WaitPrimary)
	case PathRestored:
		s.log.Info("datadir filled by a restore", "restored", s.restoredSummary())
		s.waitForDecision(WaitRestored)
	case PathUnfinishedFirstBootstrap:
		s.log.Info("datadir from an unfinished first bootstrap", "reason", "no "+InitializedFileName+" and no grastate.dat")
		s.waitForDecision(WaitNewCluster)
	}

	s.recoveredPosition()
	if agent, answers, ok := s.primaryPeer(); ok {
		s.join("restart; peer agent "+agent+" reports a Primary component", answers)
	}
	source := s.recSource
	if s.recState == RecoveryNeedsSST {
		source = NeedsSST
	}
	act, mode := AfterPosition(source, c.SingleNode)
	switch {
	case act == ActBootstrapRecovered:
		s.bootstrapFromRecovery("single-node cluster (REPLICAS=1): no peer can hold newer data")
	case mode == WaitPrimary:
		s.writeRecoveryFile()
		s.log.Info("no Primary peer: unfinished state transfer, waiting for a Primary peer to join", "decision", "wait-primary",
			"uuid", s.recUUID, "state", s.recState, "recovery_file", s.path(RecoveryFileName))
		s.waitForDecision(WaitPrimary)
	default:
		s.writeRecoveryFile()
		s.log.Info("no Primary peer: full-cluster recovery, waiting for a decision", "decision", "wait-recovery",
			"uuid", s.recUUID, "seqno", strconv.FormatInt(s.recSeqno, 10), "source", string(s.recSource),
			"recovery_file", s.path(RecoveryFileName))
		s.waitForDecision(WaitRecovery)
	}
}

// ---------------------------------------------------------------- configuration

// pitrLocalDomain: with point-in-time recovery on (the operator sets BINLOG_PASSWORD then; MariaDB only), this
// node's domain for local transactions; 0 otherwise.
func pitrLocalDomain(c *StartConfig, kind string) int {
	if kind != KindMariaDB || c.BinlogPass == "" {
		return 0
	}
	return localGTIDDomain(c.Ordinal)
}

func (s *Starter) writeConfig() {
	c := &s.cfg
	if err := os.MkdirAll(c.RunDir, 0o700); err != nil {
		s.die("cannot create RUN_DIR", "RUN_DIR", c.RunDir, "error", err.Error())
	}
	os.Chmod(c.RunDir, 0o700)
	// Private from here on, for every file this process and the server it starts create (as the script's
	// umask 077): my.cnf holds the SST password.
	syscall.Umask(0o077)
	socket := "/run/mysqld/mysqld.sock"
	if syscall.Access("/run/mysqld", 2) != nil {
		socket = s.runPath("mysqld.sock")
	}
	confDir := c.ConfDir
	if fi, err := os.Stat(confDir); err != nil || !fi.IsDir() {
		confDir = ""
	}
	auth := ""
	if c.SSTPassword != "" {
		auth = c.SSTUser + ":" + c.SSTPassword
	}
	text := RenderMyCnf(MyCnf{DataDir: c.DataDir, Socket: socket, PidFile: s.runPath("mysqld.pid"),
		Provider: s.eng.Provider, ClusterAddress: ClusterAddress(c.Peers), ClusterName: c.ClusterName, Node: c.Node,
		NodeAddress: c.NodeAddress, SST: s.eng.SST, Kind: s.eng.Kind, SSTAuth: auth, ConfDir: confDir,
		LocalGTIDDomain: pitrLocalDomain(c, s.eng.Kind)})
	if err := writeFileAtomic(s.runPath("my.cnf"), []byte(text), 0o600); err != nil {
		s.die("cannot write my.cnf", "error", err.Error())
	}
	if confDir == "" {
		s.log.Warn("config directory missing; running with defaults only", "CONF_DIR", c.ConfDir)
	}
	// The effective values (conf.d may override them).
	c.DataDir = effective(s.runPath("my.cnf"), "datadir", c.DataDir)
	s.socket = effective(s.runPath("my.cnf"), "socket", socket)
}

// effective asks my_print_defaults for the [mysqld] value of option in the server's config (conf.d
// may override the start's value); def when it has none.
func effective(myCnf, option, def string) string {
	out, err := exec.Command("my_print_defaults", "--defaults-file="+myCnf, "mysqld").Output()
	if err != nil {
		return def
	}
	v := ""
	for _, line := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(line, "--"+option+"="); ok {
			v = rest
		}
	}
	if v == "" {
		return def
	}
	return v
}

func (s *Starter) asMySQLArgs() []string {
	if os.Geteuid() == 0 {
		return []string{"--user=mysql"}
	}
	return nil
}

func (s *Starter) root() LocalRoot { return LocalRoot{Socket: s.socket, Password: s.cfg.RootPassword} }

// ---------------------------------------------------------------- this node's files

func (s *Starter) hasData() bool {
	if fi, err := os.Stat(s.path("mysql")); err == nil && fi.IsDir() {
		return true
	}
	return s.graStateNonEmpty()
}

func (s *Starter) graStateNonEmpty() bool {
	fi, err := os.Stat(s.path(GraStateFileName))
	return err == nil && fi.Size() > 0
}

func (s *Starter) localFacts() LocalFacts {
	_, err := os.Stat(s.path(InitializedFileName))
	return LocalFacts{HasData: s.hasData(), GraStateExists: s.graStateNonEmpty(), Initialized: err == nil,
		Restored: s.exists(RestoredFileName), Ordinal: s.cfg.Ordinal}
}

func (s *Starter) exists(name string) bool {
	_, err := os.Stat(s.path(name))
	return err == nil
}

// readGraState: no file is uuid "" and seqno -1; a file that does not parse is reported and read as
// an unknown position (never rewritten).
func (s *Starter) readGraState() GraState {
	b, err := os.ReadFile(s.path(GraStateFileName))
	if err != nil {
		return GraState{Seqno: -1}
	}
	gs, err := ParseGraState(bytes.NewReader(b))
	if err != nil {
		s.log.Warn("grastate.dat does not parse; its position counts as unknown", "error", err.Error())
		gs.Seqno = -1
	}
	return gs
}

// recoveredPosition finds this node's position (see PositionFrom). An unknown position is never
// published as -1: --wsrep-recover is retried with backoff and each failure is published as state
// "recovering" with the error, so the operator waits and says why. A Primary peer ends the wait.
func (s *Starter) recoveredPosition() {
	gs := s.readGraState()
	s.gs = gs
	s.recUUID, s.recSeqno, s.recSource, s.recState, s.recError, s.attempts = gs.UUID, gs.Seqno, FromGraState, RecoveryWaiting, "", 0
	switch PositionFrom(gs) {
	case NeedsSST:
		s.recState, s.recSeqno = RecoveryNeedsSST, -1
		s.recError = "grastate.dat has the zero uuid: a state transfer did not finish; this node's data is no bootstrap source"
		s.log.Warn("unfinished state transfer", "reason", s.recError)
		return
	case FromWsrepRecover:
		s.recSource = FromWsrepRecover
		var delay time.Duration
		for {
			s.attempts++
			uuid, seqno, errText := s.wsrepRecover()
			if errText == "" {
				s.recUUID, s.recSeqno = uuid, seqno
				break
			}
			// A pod that was force-deleted may still be dying on this node and hold the InnoDB lock on the
			// same volume; a disk may be slow to attach. Keep trying, and say why.
			s.recState, s.recError, s.recUUID, s.recSeqno = RecoveryRecovering, errText, gs.UUID, -1
			s.writeRecoveryFile()
			delay = NextRecoverDelay(delay)
			s.log.Warn("position not recovered; retrying", "state", RecoveryRecovering, "attempt", strconv.Itoa(s.attempts),
				"retry_in", fmt.Sprintf("%ds", int(delay.Seconds())), "error", errText)
			if agent, answers, ok := s.primaryPeer(); ok {
				s.join("position unknown ("+errText+"); peer agent "+agent+" reports a Primary component", answers)
			}
			time.Sleep(delay)
		}
		s.recState, s.recError = RecoveryWaiting, ""
		// A marker written while the position was unknown (an older agent accepts one) was decided
		// without this node's position: it must not make the node bootstrap now.
		if s.attempts > 1 && s.exists(BootstrapFileName) {
			s.log.Warn("removing a bootstrap marker written while the position was unknown", "marker", s.path(BootstrapFileName))
			os.Remove(s.path(BootstrapFileName))
		}
	}
	s.log.Info("recovered position", "uuid", s.recUUID, "seqno", strconv.FormatInt(s.recSeqno, 10), "source", string(s.recSource),
		"safe_to_bootstrap", boolDigit(gs.SafeToBootstrap), "attempts", strconv.Itoa(s.attempts))
}

func boolDigit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// wsrepRecover runs the server with --wsrep-recover and reads the position from its error log.
func (s *Starter) wsrepRecover() (uuid string, seqno int64, errText string) {
	logf := s.runPath("wsrep-recover.log")
	s.log.Info("running --wsrep-recover to find the last committed position", "reason", "grastate.dat seqno is -1",
		"attempt", strconv.Itoa(s.attempts))
	os.Remove(logf)
	args := append([]string{"--defaults-file=" + s.runPath("my.cnf")}, s.asMySQLArgs()...)
	args = append(args, "--wsrep-recover", "--log-error="+logf)
	if err := exec.Command(s.eng.Server, args...).Run(); err != nil {
		s.log.Warn("--wsrep-recover failed", "log", tailLines(logf, 5))
	}
	b, _ := os.ReadFile(logf)
	return ParseWsrepRecover(string(b))
}

func tailLines(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " ")
}

// writeRecoveryFile publishes the position for the agent's /state (atomically: the agent may read it
// at any moment).
func (s *Starter) writeRecoveryFile() {
	rec := RecoveryRecord(s.recUUID, s.recSeqno, s.gs, s.recSource, s.recState, s.recError, s.attempts, s.cfg.Node, time.Now())
	b, _ := json.Marshal(rec)
	if err := writeFileAtomic(s.path(RecoveryFileName), append(b, '\n'), 0o640); err != nil {
		s.die("cannot write the recovery file", "file", s.path(RecoveryFileName), "error", err.Error())
	}
}

func writeFileAtomic(path string, b []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, mode); err != nil {
		return err
	}
	if err := os.Chmod(tmp, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// ---------------------------------------------------------------- peers

func (s *Starter) askPeers() []PeerAnswer {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return AskPeerStates(ctx, s.cfg.Agents)
}

// primaryPeer: the agent of a peer in the Primary component (see PrimaryPeer) and every peer's answer.
func (s *Starter) primaryPeer() (agent string, answers []PeerAnswer, ok bool) {
	answers = s.askPeers()
	agent, _, ok = PrimaryPeer(answers)
	return agent, answers, ok
}

// resolvableClusterAddress: gcomm:// of the peers whose names resolve now: a pod that does not exist
// (yet) has no DNS record, and Galera gives up on an address it cannot resolve.
func (s *Starter) resolvableClusterAddress() string {
	var ok []string
	for _, p := range s.cfg.Peers {
		host := p
		if i := strings.LastIndex(p, ":"); i >= 0 {
			host = p[:i]
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if _, err := net.DefaultResolver.LookupHost(ctx, host); err == nil {
			ok = append(ok, p)
		}
		cancel()
	}
	if len(ok) == 0 {
		return ClusterAddress(s.cfg.Peers)
	}
	return ClusterAddress(ok)
}

// lookupFirst: the first address of a name (the container's own hostname is in /etc/hosts).
func lookupFirst(name string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupHost(ctx, name)
	if err != nil || len(addrs) == 0 {
		return ""
	}
	return addrs[0]
}

// ---------------------------------------------------------------- waiting

// waitForDecision polls until WaitStep says what to do; it does not return.
func (s *Starter) waitForDecision(mode WaitMode) {
	nextNote := time.Now()
	for {
		answers := s.askPeers()
		agent, _, primary := PrimaryPeer(answers)
		blocker := ""
		if (mode == WaitNewCluster || mode == WaitRestored) && !primary {
			blocker = NewClusterBlocker(answers)
		}
		switch WaitStep(mode, primary, s.exists(BootstrapFileName), blocker) {
		case ActJoin:
			s.join("peer agent "+agent+" reports a Primary component", answers)
		case ActBootstrapRecovered:
			s.bootstrapFromRecovery("bootstrap marker present (POST /bootstrap)")
		case ActBootstrapNewCluster:
			s.bootstrapNewCluster()
		case ActBootstrapRestored:
			s.bootstrapRestored()
		}
		if !time.Now().Before(nextNote) {
			switch mode {
			case WaitRecovery:
				s.log.Info("waiting: no Primary peer and no bootstrap marker", "waiting", "recovery", "uuid", s.recUUID,
					"seqno", strconv.FormatInt(s.recSeqno, 10),
					"hint", "the operator bootstraps the most advanced node (POST /bootstrap to this pod's agent, port "+s.cfg.AgentPort+", with the operator's token)")
			case WaitNewCluster, WaitRestored:
				s.log.Info("waiting before creating a new cluster", "waiting", string(mode), "reason", blocker)
			default:
				s.log.Info("waiting for a Primary peer to join", "waiting", "primary-peer", "ordinal", strconv.Itoa(s.cfg.Ordinal),
					"agents", strings.Join(s.cfg.Agents, ","))
			}
			nextNote = time.Now().Add(30 * time.Second)
		}
		time.Sleep(s.cfg.Poll)
	}
}

// ---------------------------------------------------------------- the three ways to start

// join starts the server into the peers' Primary component, with the donor ChooseDonor names from their
// answers and the application's sessions on each.
func (s *Starter) join(reason string, answers []PeerAnswer) {
	addr := s.resolvableClusterAddress()
	sessions := s.peerAppSessions(answers)
	donor := ChooseDonor(answers, sessions)
	if donor == s.cfg.Node { // wsrep_node_name is POD_NAME on every node
		donor = ""
	}
	shown := donor
	if shown == "" {
		shown = "any"
	}
	s.log.Info("decision: join", "decision", "join", "reason", reason, "cluster_address", addr, "donor", shown,
		"application_sessions", sessionsByNode(answers, sessions))
	os.Remove(s.path(RecoveryFileName))
	os.Remove(s.path(BootstrapFileName))
	s.startServer("join", JoinArgs(addr, s.recUUID, s.recSeqno, donor, s.cfg.Node))
	go s.usersAfterJoin()
	s.waitServer()
}

// sessionsByNode: "node=count ..." of the Primary peers, "?" where not counted (the join's log line).
func sessionsByNode(answers []PeerAnswer, sessions []int) string {
	var parts []string
	for i, a := range answers {
		if a.State == nil || a.State.ClusterStatus != "Primary" {
			continue
		}
		n := "?"
		if i < len(sessions) && sessions[i] >= 0 {
			n = strconv.Itoa(sessions[i])
		}
		parts = append(parts, a.State.Node+"="+n)
	}
	return strings.Join(parts, " ")
}

func (s *Starter) bootstrapNewCluster() {
	s.log.Info("decision: bootstrap a new cluster", "decision", "bootstrap-new-cluster",
		"reason", "empty datadir, ordinal 0, every peer agent answered: no Primary component, no data")
	if err := s.cfg.CheckSecrets(); err != nil {
		s.die(err.Error())
	}
	if !s.hasData() {
		s.initializeDatadir()
	}
	s.startServer("bootstrap-new", BootstrapArgs("", -1))
	s.setupUsers()
	s.waitServer()
}

func (s *Starter) bootstrapFromRecovery(reason string) {
	s.log.Info("decision: bootstrap from this node's data", "decision", "bootstrap-recovered", "uuid", s.recUUID,
		"seqno", strconv.FormatInt(s.recSeqno, 10), "reason", reason)
	// The marker stays until the server is Primary (below): until then a peer's agent that is asked to
	// bootstrap sees it and refuses (peers.go). Every start removes a leftover one.
	os.Remove(s.path(RecoveryFileName))
	if b, err := os.ReadFile(s.path(GraStateFileName)); err == nil {
		fi, _ := os.Stat(s.path(GraStateFileName))
		if err := writeFileAtomic(s.path(GraStateFileName), []byte(SetSafeToBootstrap(string(b))), fi.Mode().Perm()); err != nil {
			s.die("cannot set safe_to_bootstrap in grastate.dat", "error", err.Error())
		}
	}
	s.startServer("bootstrap-recovered", append(BootstrapArgs(s.recUUID, s.recSeqno), s.keepClusterDomain()...))
	s.setupUsers()
	os.Remove(s.path(BootstrapFileName))
	s.waitServer()
}

// keepClusterDomain: with point-in-time recovery on, the option that keeps the cluster's GTID domain from this
// node's binary log (binlog_domain.go); none when the log records none, and the configured domain applies.
func (s *Starter) keepClusterDomain() []string {
	if pitrLocalDomain(&s.cfg, s.eng.Kind) == 0 {
		return nil
	}
	base := effective(s.runPath("my.cnf"), "log_bin", "")
	if base == "" {
		base = effective(s.runPath("my.cnf"), "log-bin", "")
	}
	if base == "" {
		s.log.Warn("point-in-time recovery is on but the server has no log_bin option; the configured GTID domain applies")
		return nil
	}
	domain, file, found, err := clusterDomainOfBinlogs(s.cfg.DataDir, base)
	switch {
	case err != nil:
		s.log.Warn("cannot read the cluster's GTID domain from the binary log; the configured domain applies (the archive reports a domain change)",
			"error", err.Error())
	case !found:
		s.log.Info("the binary log records no cluster transaction; the configured GTID domain applies")
	default:
		s.log.Info("keeping the cluster's GTID domain at the bootstrap", "domain", strconv.FormatUint(uint64(domain), 10), "binlog", file)
	}
	return KeepDomainArgs(domain, found && err == nil)
}

func (s *Starter) initializeDatadir() {
	c := &s.cfg
	s.log.Info("initializing an empty datadir", "engine", s.eng.Kind, "datadir", c.DataDir)
	logf := s.runPath("init.log")
	args := append([]string{"--defaults-file=" + s.runPath("my.cnf")}, s.asMySQLArgs()...)
	var cmd *exec.Cmd
	if s.eng.Kind == KindPXC {
		cmd = exec.Command(s.eng.Server, append(args, "--initialize-insecure", "--log-error="+logf)...)
	} else {
		installer, err := exec.LookPath("mariadb-install-db")
		if err != nil {
			if installer, err = exec.LookPath("mysql_install_db"); err != nil {
				s.die("mariadb-install-db not found in the image")
			}
		}
		cmd = exec.Command(installer, append(args, "--datadir="+c.DataDir, "--auth-root-authentication-method=normal",
			"--skip-test-db")...)
		if f, err := os.Create(logf); err == nil {
			cmd.Stdout, cmd.Stderr = f, f
			defer f.Close()
		}
	}
	if err := cmd.Run(); err != nil {
		s.die(filepath.Base(cmd.Path)+" failed to initialize the datadir", "log", tailLines(logf, 5))
	}
}
