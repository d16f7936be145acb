package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The start decisions as pure functions over this node's files and its peers' /state answers.
// start.go does the I/O and follows what these return; each rule is a row in decide_test.go and in
// the table of docs/dataplane.md.

// PeerAnswer is one peer agent's GET /state: State is nil when the agent did not answer 200 with
// a readable State (a pod not scheduled yet, a network cut).
type PeerAnswer struct {
	Agent string // host:port
	State *State
}

// PrimaryPeer picks a peer that reports a Primary component to join (the decision and its log line; the
// donor is ChooseDonor's): a Synced (ready) one first, else the first Primary one, highest position in
// the list (peers are listed by ordinal) first.
func PrimaryPeer(answers []PeerAnswer) (agent, node string, ok bool) {
	var first *PeerAnswer
	for i := len(answers) - 1; i >= 0; i-- {
		a := answers[i]
		if a.State == nil || a.State.ClusterStatus != "Primary" {
			continue
		}
		if a.State.Ready {
			return a.Agent, a.State.Node, true
		}
		if first == nil {
			first = &answers[i]
		}
	}
	if first != nil {
		return first.Agent, first.State.Node, true
	}
	return "", "", false
}

// SessionsUnknown: a peer's application sessions could not be counted (an older agent that does not
// report its SQL port, a failed login).
const SessionsUnknown = -1

// ChooseDonor names the node that gives this joiner its state transfer. A donor leaves Synced for the
// transfer (Donor/Desynced for a whole mariabackup SST), so its agent answers 503 and HAProxy marks it
// down and cuts its sessions: if it is HAProxy's writer every client write fails over mid-flight. The
// writer is wherever a switchover, a rolling change or an unplanned failover put it (HAProxy keeps it
// there, no fail-back), and the one fact that shows where it is now, whatever the proxies were
// configured with, is where the application's sessions are (HAProxy sends them all to its writer; the
// backups hold none). So: a Synced member of the Primary component that holds no application session;
// then one whose sessions are unknown; the node serving the application only when no other Synced node
// exists. Among equals the highest ordinal (peers are listed by ordinal). Without a Synced peer, a
// Primary one (PrimaryPeer's fallback). sessions[i] belongs to answers[i] (SessionsUnknown when not
// counted); "" when no peer is Primary.
func ChooseDonor(answers []PeerAnswer, sessions []int) string {
	rank := func(i int) int { // lower is better; -1: not a donor
		a := answers[i]
		if a.State == nil || a.State.ClusterStatus != "Primary" || a.State.Node == "" {
			return -1
		}
		if !a.State.Ready {
			return 3
		}
		n := SessionsUnknown
		if i < len(sessions) {
			n = sessions[i]
		}
		switch {
		case n == 0:
			return 0
		case n < 0:
			return 1
		}
		return 2
	}
	best, bestRank := "", 4
	for i := len(answers) - 1; i >= 0; i-- {
		if r := rank(i); r >= 0 && r < bestRank {
			best, bestRank = answers[i].State.Node, r
		}
	}
	return best
}

// NewClusterBlocker says why ordinal 0 with an empty datadir may not create a NEW cluster yet, or ""
// when it may: every peer agent must answer and none may hold data (a running server, a wait for a
// recovery decision, or a real uuid in grastate.dat). A peer that does not answer may hold the
// cluster's data (its pod is not scheduled yet): a new cluster would let it join the empty one and
// lose its data by state transfer.
func NewClusterBlocker(answers []PeerAnswer) string {
	var silent, withData []string
	for _, a := range answers {
		if a.State == nil {
			silent = append(silent, a.Agent)
			continue
		}
		s := a.State
		if s.Running || s.WaitingForDecision || (s.UUID != "" && s.UUID != ZeroUUID) {
			withData = append(withData, a.Agent)
		}
	}
	switch {
	case len(withData) > 0:
		return "peers hold data of an existing cluster: " + strings.Join(withData, " ") +
			" (this node's volume was lost; it joins once a peer forms a Primary component)"
	case len(silent) > 0:
		return "peer agents do not answer yet: " + strings.Join(silent, " ") +
			" (a new cluster is created only when every peer answers without data)"
	}
	return ""
}

// LocalFacts: what this node's datadir says before any decision.
type LocalFacts struct {
	HasData        bool // the mysql schema directory or a non-empty grastate.dat
	GraStateExists bool // a non-empty grastate.dat
	Initialized    bool // InitializedFileName present
	Restored       bool // RestoredFileName present (galera-agent restore filled the datadir)
	Ordinal        int
}

// Path is the first fork of a start.
type Path string

const (
	// PathEmpty: no data. Join a Primary peer; ordinal 0 may create a new cluster (NewClusterBlocker).
	PathEmpty Path = "empty"
	// PathUnfinishedFirstBootstrap: ordinal 0 whose first bootstrap stopped before the server ever ran
	// (a datadir, no initialized marker, no grastate.dat): finish it under the new-cluster rule.
	PathUnfinishedFirstBootstrap Path = "unfinished-first-bootstrap"
	// PathRestart: data from an earlier run: find the position, then join or wait for a decision.
	PathRestart Path = "restart"
	// PathRestored: ordinal 0 whose datadir a restore filled and which has not run a cluster yet (no
	// initialized marker): a new cluster from this data once no peer holds data (NewClusterBlocker).
	PathRestored Path = "restored"
)

func ChoosePath(f LocalFacts) Path {
	switch {
	case !f.HasData:
		return PathEmpty
	case f.Ordinal == 0 && f.Restored && !f.Initialized:
		return PathRestored
	case f.Ordinal == 0 && !f.Initialized && !f.GraStateExists:
		return PathUnfinishedFirstBootstrap
	}
	return PathRestart
}

// PositionSource: where this node's position comes from.
type PositionSource string

const (
	// FromGraState: grastate.dat holds a seqno (a clean shutdown).
	FromGraState PositionSource = "grastate"
	// FromWsrepRecover: seqno -1 (a crash, or a running server's file): ask InnoDB with --wsrep-recover.
	FromWsrepRecover PositionSource = "wsrep-recover"
	// NeedsSST: the zero uuid: Galera writes it when a state transfer starts and replaces it when the
	// transfer completes, so the InnoDB files are a partial copy and whatever --wsrep-recover reads from
	// them is no position of the cluster's history (mariadb-operator issue 1108 bootstrapped from such a
	// node and lost every database). Never a bootstrap source.
	NeedsSST PositionSource = "needs-sst"
)

func PositionFrom(gs GraState) PositionSource {
	switch {
	case gs.UUID == ZeroUUID:
		return NeedsSST
	case gs.Seqno == -1:
		return FromWsrepRecover
	}
	return FromGraState
}

var recoveredPositionRE = regexp.MustCompile(`Recovered position:?\s*([0-9a-f-]{36}):(-?[0-9]+)`)
var errorLineRE = regexp.MustCompile(`\[ERROR\]`)

// ParseWsrepRecover reads the error log of `mariadbd --wsrep-recover`: the last "Recovered position"
// line gives uuid and seqno. A seqno of -1, no line, or the zero uuid is no position: errText then says
// why (with the first [ERROR] line, e.g. "Unable to lock ./ibdata1").
func ParseWsrepRecover(log string) (uuid string, seqno int64, errText string) {
	matches := recoveredPositionRE.FindAllStringSubmatch(log, -1)
	line := ""
	seqno = -1
	if len(matches) > 0 {
		m := matches[len(matches)-1]
		line = m[0]
		uuid = m[1]
		if n, err := strconv.ParseInt(m[2], 10, 64); err == nil {
			seqno = n
		}
	}
	if seqno == -1 || uuid == "" || uuid == ZeroUUID {
		if line == "" {
			line = "no 'Recovered position' line"
		}
		errText = "--wsrep-recover found no position (" + line + ")"
		for _, l := range strings.Split(log, "\n") {
			if errorLineRE.MatchString(l) {
				if len(l) > 240 {
					l = l[:240]
				}
				errText += ": " + l
				break
			}
		}
		return uuid, -1, errText
	}
	return uuid, seqno, ""
}

// NextRecoverDelay: --wsrep-recover is retried after 3 s, doubling up to 60 s.
func NextRecoverDelay(d time.Duration) time.Duration {
	if d <= 0 {
		return 3 * time.Second
	}
	if d*2 > 60*time.Second {
		return 60 * time.Second
	}
	return d * 2
}

// RecoveryRecord is what the node publishes in RecoveryFileName (the agent's /state "recovered").
// seqno is null unless the position is known and the state is waiting; safeToBootstrap only then.
func RecoveryRecord(uuid string, seqno int64, gs GraState, source PositionSource, state, errText string,
	attempts int, node string, now time.Time) Recovery {
	r := Recovery{UUID: uuid, Source: string(source), State: state, Error: errText, Attempts: attempts,
		Node: node, Time: now.UTC().Format(time.RFC3339)}
	if state == RecoveryWaiting {
		r.SafeToBootstrap = gs.SafeToBootstrap
		if seqno >= 0 {
			n := seqno
			r.Seqno = &n
		}
	}
	return r
}

// Wait modes of a node that may not decide yet.
type WaitMode string

const (
	WaitRecovery   WaitMode = "recovery"    // full crash: a Primary peer (join) or the bootstrap marker
	WaitNewCluster WaitMode = "new-cluster" // ordinal 0, empty: a Primary peer, or NewClusterBlocker == ""
	WaitPrimary    WaitMode = "primary"     // only a Primary peer
	WaitRestored   WaitMode = "restored"    // ordinal 0, restored: a Primary peer, or NewClusterBlocker == ""
)

// Action is what a waiting node does now.
type Action string

const (
	ActWait                Action = "wait"
	ActJoin                Action = "join"
	ActBootstrapRecovered  Action = "bootstrap-recovered"
	ActBootstrapNewCluster Action = "bootstrap-new-cluster"
	ActBootstrapRestored   Action = "bootstrap-restored"
)

// WaitStep: one poll of a waiting node. A Primary peer always wins (join); then the bootstrap marker
// (recovery mode only); then a new cluster (new-cluster mode, when nothing blocks it), or a new cluster
// from restored data (restored mode, by the same rule: every peer answers and none holds data).
func WaitStep(mode WaitMode, primaryPeer, marker bool, newClusterBlocker string) Action {
	switch {
	case primaryPeer:
		return ActJoin
	case mode == WaitRecovery && marker:
		return ActBootstrapRecovered
	case mode == WaitNewCluster && newClusterBlocker == "":
		return ActBootstrapNewCluster
	case mode == WaitRestored && newClusterBlocker == "":
		return ActBootstrapRestored
	}
	return ActWait
}

// AfterPosition: what a restarted node without a Primary peer does once its position is found.
func AfterPosition(source PositionSource, singleNode bool) (Action, WaitMode) {
	switch {
	case source == NeedsSST:
		// Never a bootstrap source, whatever it is told: it waits for a Primary peer and joins it.
		return ActWait, WaitPrimary
	case singleNode:
		// REPLICAS=1 (no GALERA_PEERS): no peer can hold newer data.
		return ActBootstrapRecovered, ""
	}
	return ActWait, WaitRecovery
}

// Watchdog follows a running server. It acts only when the server answers, says it is not in the
// Primary component, and a peer's agent reports one, for stuck in a row: then the server is stopped
// and the start begins afresh. A partitioned node reaches no peer agent and is left alone.
type Watchdog struct {
	Stuck time.Duration
	since time.Time
}

// Observe returns (first: the condition just began; stop: stop the server now).
func (w *Watchdog) Observe(now time.Time, clusterStatus string, peerPrimary bool) (first, stop bool) {
	if clusterStatus == "" || clusterStatus == "Primary" || !peerPrimary {
		w.since = time.Time{}
		return false, false
	}
	if w.since.IsZero() {
		w.since = now
		first = true
	}
	return first, now.Sub(w.since) >= w.Stuck
}

// Outside: how long the condition has lasted.
func (w *Watchdog) Outside(now time.Time) time.Duration {
	if w.since.IsZero() {
		return 0
	}
	return now.Sub(w.since)
}

// AfterExit: once the server exited. A watchdog stop starts over (a fresh decision and join) until
// REJOIN_LIMIT such restarts in a row, then the container exits 1 so the kubelet's back-off takes over.
// Any other exit ends the container with the server's status.
type ExitAction string

const (
	ExitWithServer ExitAction = "exit-with-server"
	StartOver      ExitAction = "start-over"
	GiveUp         ExitAction = "give-up"
)

func AfterExit(stoppedByWatchdog bool, attempt, limit int) ExitAction {
	switch {
	case !stoppedByWatchdog:
		return ExitWithServer
	case attempt < limit:
		return StartOver
	}
	return GiveUp
}

// DrainStep: one poll of the preStop drain. sessions < 0: the server does not answer.
func DrainStep(sessions int, now, deadline time.Time) (done bool, why string) {
	switch {
	case sessions < 0:
		return true, "drain: the server does not answer; nothing to drain"
	case sessions == 0:
		return true, "drain: no application session left; the server may stop"
	case !now.Before(deadline):
		return true, "drain: sessions still open after the timeout; stopping anyway"
	}
	return false, ""
}

// JoinArgs: the server arguments of a join. The start position when it is known; the donor that was
// Primary when this node decided, then any (the trailing comma): left to itself, Galera may pick a
// node that has only just joined, whose IST came up short after a full-crash bootstrap.
func JoinArgs(clusterAddress, uuid string, seqno int64, donor, self string) []string {
	args := []string{"--wsrep-cluster-address=" + clusterAddress}
	if seqno != -1 && uuid != "" {
		args = append(args, fmt.Sprintf("--wsrep-start-position=%s:%d", uuid, seqno))
	}
	if donor != "" && donor != self {
		args = append(args, "--wsrep-sst-donor="+donor+",")
	}
	return args
}

// BootstrapArgs: a new Primary component from this node's data (or from nothing, for a new cluster).
func BootstrapArgs(uuid string, seqno int64) []string {
	args := []string{"--wsrep-cluster-address=gcomm://", "--wsrep-new-cluster"}
	if seqno != -1 && uuid != "" {
		args = append(args, fmt.Sprintf("--wsrep-start-position=%s:%d", uuid, seqno))
	}
	return args
}

// SetSafeToBootstrap returns grastate.dat with safe_to_bootstrap: 1 (the node chosen to bootstrap;
// Galera refuses --wsrep-new-cluster otherwise). Every other line is kept as it is.
func SetSafeToBootstrap(grastate string) string {
	lines := strings.SplitAfter(grastate, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "safe_to_bootstrap:") {
			nl := ""
			if strings.HasSuffix(l, "\n") {
				nl = "\n"
			}
			lines[i] = "safe_to_bootstrap: 1" + nl
		}
	}
	return strings.Join(lines, "")
}
