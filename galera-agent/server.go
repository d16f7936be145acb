package main

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Agent serves the HTTP API of one database pod.
type Agent struct {
	Source  StatusSource
	DataDir string
	Node    string
	// NonPrimaryGrace is how long a running server may stay outside the Primary component
	// before /live fails (so that Kubernetes restarts a node that cannot rejoin).
	NonPrimaryGrace time.Duration
	// DisconnectedGrace replaces NonPrimaryGrace while the server is Disconnected: it has left the group (a
	// failed JOIN after a state transfer, a SELF-LEAVE) and never comes back by itself, unlike a non-Primary
	// node, which re-merges when a partition heals. Seen after a full-crash recovery: a joiner stayed
	// Disconnected and was only restarted 95 s later.
	DisconnectedGrace time.Duration
	Log               *slog.Logger
	Now               func() time.Time
	// TokenFile holds the bearer token that state-changing requests (POST /bootstrap) must carry: a
	// Secret the operator generates and mounts into this container; only the operator sends it. Read
	// at every request, so a re-created Secret takes effect without a restart. Empty or unreadable:
	// every state-changing request is refused.
	TokenFile string
	// Peers lists the other agents, asked before a bootstrap marker is written (peers.go); nil: none.
	Peers PeerLister
	// SQLPort is the local server's SQL port, reported in /state (0: not reported).
	SQLPort int
	// Metrics answers the status variables of GET /metrics (metrics.go); nil: only messagestack_galera_up 0.
	Metrics MetricsSource

	mu              sync.Mutex
	nonPrimarySince time.Time
	// bootstrapMu serialises POST /bootstrap so two callers cannot both pass the checks.
	bootstrapMu sync.Mutex
}

// State is the JSON of GET /state: everything the operator needs to choose a bootstrap node.
type State struct {
	Node               string    `json:"node,omitempty"`
	UUID               string    `json:"uuid"`
	Seqno              int64     `json:"seqno"`
	SafeToBootstrap    bool      `json:"safeToBootstrap"`
	Recovered          *Recovery `json:"recovered"`
	WaitingForDecision bool      `json:"waitingForDecision"`
	// HasData: the datadir holds a database (grastate.dat or the mysql schema), as the start
	// script's has_data. A node without data is no bootstrap source and holds no history.
	HasData            bool   `json:"hasData"`
	BootstrapRequested bool   `json:"bootstrapRequested"`
	BootstrapClaimed   bool   `json:"bootstrapClaimed"`
	Draining           bool   `json:"draining"`
	Running            bool   `json:"running"`
	Ready              bool   `json:"ready"`
	ClusterStatus      string `json:"clusterStatus"`
	LocalState         int    `json:"localState"`
	LocalStateComment  string `json:"localStateComment"`
	ClusterSize        int    `json:"clusterSize"`
	ClusterStateUUID   string `json:"clusterStateUUID,omitempty"`
	LastCommitted      int64  `json:"lastCommitted"`
	// SQLPort: where this node's server takes SQL (on the agent's host): a joiner counts the application's
	// sessions there (ChooseDonor). 0 when not known.
	SQLPort int      `json:"sqlPort,omitempty"`
	Errors  []string `json:"errors,omitempty"`
}

func (a *Agent) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/health", a.handleHealth)
	mux.HandleFunc("/live", a.handleLive)
	mux.HandleFunc("/state", a.handleState)
	mux.HandleFunc("/bootstrap", a.handleBootstrap)
	mux.HandleFunc("/metrics", a.handleMetrics)
	return mux
}

func (a *Agent) path(name string) string { return filepath.Join(a.DataDir, name) }

// draining: the database container is stopping (its preStop hook wrote the drain marker).
func (a *Agent) draining() bool {
	_, err := os.Stat(a.path(DrainFileName))
	return err == nil
}

func (a *Agent) status(r *http.Request) (*WsrepStatus, bool, error) {
	ctx, cancel := context.WithTimeout(r.Context(), 4*time.Second)
	defer cancel()
	return a.Source.Status(ctx)
}

// GET /health: 200 only on a Synced member of the Primary component (HAProxy's httpchk), and
// never while the pod drains.
func (a *Agent) handleHealth(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "use GET", http.StatusMethodNotAllowed)
		return
	}
	if a.draining() {
		writeText(w, http.StatusServiceUnavailable, "not ready: draining (the pod is stopping; "+DrainFileName+" present)")
		return
	}
	st, _, err := a.status(r)
	if err != nil {
		writeText(w, http.StatusServiceUnavailable, "not ready: "+err.Error())
		return
	}
	if ok, reason := st.Healthy(); !ok {
		writeText(w, http.StatusServiceUnavailable, "not ready: "+reason)
		return
	}
	writeText(w, http.StatusOK, fmt.Sprintf("ready: Primary, Synced, cluster size %d", st.ClusterSize))
}

// GET /live: fails only when a running server has stayed outside the Primary component for
// longer than NonPrimaryGrace (DisconnectedGrace when it has left the group altogether). A stopped server (start script waiting for recovery, SST in
// progress) is alive: restarting it would not help.
func (a *Agent) handleLive(w http.ResponseWriter, r *http.Request) {
	st, running, err := a.status(r)
	now := a.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	if err != nil || !running || st.ClusterStatus == "Primary" {
		a.nonPrimarySince = time.Time{}
		writeText(w, http.StatusOK, "alive")
		return
	}
	if a.nonPrimarySince.IsZero() {
		a.nonPrimarySince = now
	}
	outside := now.Sub(a.nonPrimarySince)
	limit := a.NonPrimaryGrace
	if st.ClusterStatus == "Disconnected" && a.DisconnectedGrace < limit {
		limit = a.DisconnectedGrace
	}
	if outside > limit {
		a.Log.Warn("node outside the Primary component too long; liveness fails",
			"clusterStatus", st.ClusterStatus, "for", outside.Round(time.Second).String())
		writeText(w, http.StatusServiceUnavailable, fmt.Sprintf(
			"wsrep_cluster_status=%s for %s (limit %s)", st.ClusterStatus, outside.Round(time.Second), limit))
		return
	}
	writeText(w, http.StatusOK, fmt.Sprintf("alive (wsrep_cluster_status=%s for %s)", st.ClusterStatus, outside.Round(time.Second)))
}

// GET /state: grastate.dat, the recovery file, the bootstrap marker and the live wsrep status.
func (a *Agent) handleState(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, a.collectState(r))
}

func (a *Agent) collectState(r *http.Request) State {
	s := State{Node: a.Node, Seqno: -1, SQLPort: a.SQLPort}
	if gs, err := ReadGraState(a.path(GraStateFileName)); err != nil {
		s.Errors = append(s.Errors, err.Error())
	} else if gs != nil {
		s.UUID, s.Seqno, s.SafeToBootstrap = gs.UUID, gs.Seqno, gs.SafeToBootstrap
	}
	if rec, err := ReadRecovery(a.path(RecoveryFileName)); err != nil {
		s.Errors = append(s.Errors, err.Error())
	} else {
		s.Recovered = rec
		s.WaitingForDecision = rec.Waiting()
	}
	s.HasData = a.hasData()
	if _, err := os.Stat(a.path(BootstrapFileName)); err == nil {
		s.BootstrapRequested = true
	}
	if _, err := os.Stat(a.path(ClaimFileName)); err == nil {
		s.BootstrapClaimed = true
	}
	s.Draining = a.draining()
	st, running, err := a.status(r)
	s.Running = running
	if err != nil {
		if running {
			s.Errors = append(s.Errors, err.Error())
		}
		return s
	}
	s.Ready, _ = st.Healthy()
	s.ClusterStatus = st.ClusterStatus
	s.LocalState = st.LocalState
	s.LocalStateComment = st.LocalStateComment
	s.ClusterSize = st.ClusterSize
	s.ClusterStateUUID = st.ClusterStateUUID
	s.LastCommitted = st.LastCommitted
	return s
}

// authorize checks the bearer token of a state-changing request: 0 when it matches the token file,
// else 401 (no credential) or 403 (a wrong one, or no token configured here), with the reason.
func (a *Agent) authorize(r *http.Request) (int, string) {
	header := r.Header.Get("Authorization")
	given, ok := strings.CutPrefix(header, "Bearer ")
	if header == "" || !ok || strings.TrimSpace(given) == "" {
		return http.StatusUnauthorized, "a bearer token is required (Authorization: Bearer <token>; only the operator holds it)"
	}
	if a.TokenFile == "" {
		return http.StatusForbidden, "this agent has no token configured (AGENT_TOKEN_FILE): state-changing requests are refused"
	}
	b, err := os.ReadFile(a.TokenFile)
	want := strings.TrimSpace(string(b))
	if err != nil || want == "" {
		return http.StatusForbidden, "this agent cannot read its token file " + a.TokenFile + ": state-changing requests are refused"
	}
	if subtle.ConstantTimeCompare([]byte(strings.TrimSpace(given)), []byte(want)) != 1 {
		return http.StatusForbidden, "wrong bearer token"
	}
	return 0, ""
}

// hasData: the same test as the start script's has_data (the mysql schema directory or a non-empty grastate.dat).
func (a *Agent) hasData() bool {
	if fi, err := os.Stat(a.path("mysql")); err == nil && fi.IsDir() {
		return true
	}
	fi, err := os.Stat(a.path(GraStateFileName))
	return err == nil && fi.Size() > 0
}

// BootstrapRefusal says why POST /bootstrap may not write the marker now, or nil.
func BootstrapRefusal(running bool, rec *Recovery) error {
	if running {
		return errors.New("the local server is running; bootstrap only applies to a stopped node that waits for recovery")
	}
	if rec == nil {
		return errors.New("the start script is not waiting for a bootstrap decision (no " + RecoveryFileName + ")")
	}
	if !rec.Waiting() {
		why := "the start script is not waiting for a bootstrap decision: state " + rec.State
		if rec.Error != "" {
			why += " (" + rec.Error + ")"
		}
		return errors.New(why)
	}
	if !rec.KnownPosition() {
		return errors.New("this node's position is not known (uuid " + rec.UUID + ", seqno " + seqnoText(rec.Seqno) +
			"): it cannot be a bootstrap source")
	}
	return nil
}

func seqnoText(n *int64) string {
	if n == nil {
		return "null"
	}
	return fmt.Sprint(*n)
}

// POST /bootstrap: writes the marker that tells the waiting start script to bootstrap
// a new Primary component from this node's data.
func (a *Agent) handleBootstrap(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	if code, why := a.authorize(r); code != 0 {
		a.Log.Warn("bootstrap refused: not authorized", "reason", why, "from", r.RemoteAddr)
		if code == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="galera-agent"`)
		}
		writeJSON(w, code, map[string]string{"error": why})
		return
	}
	a.bootstrapMu.Lock()
	defer a.bootstrapMu.Unlock()
	_, running, _ := a.status(r)
	rec, err := ReadRecovery(a.path(RecoveryFileName))
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	if refusal := BootstrapRefusal(running, rec); refusal != nil {
		a.Log.Warn("bootstrap refused", "reason", refusal.Error(), "from", r.RemoteAddr)
		writeJSON(w, http.StatusConflict, map[string]string{"error": refusal.Error()})
		return
	}
	marker := map[string]any{
		"requestedAt": a.Now().UTC().Format(time.RFC3339),
		"from":        r.RemoteAddr,
		"recovered":   rec,
	}
	b, _ := json.Marshal(marker)
	// Claim first, then ask the peers, then turn the claim into the marker (an atomic rename, so a
	// peer always sees one of the two): see ClaimFileName.
	claim := a.path(ClaimFileName)
	if err := os.WriteFile(claim, append(b, '\n'), 0o640); err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	if objection := a.askPeers(r.Context(), rec); objection != "" {
		os.Remove(claim)
		a.Log.Warn("bootstrap refused by a peer's state", "reason", objection, "from", r.RemoteAddr)
		writeJSON(w, http.StatusConflict, map[string]string{"error": objection})
		return
	}
	if err := os.Rename(claim, a.path(BootstrapFileName)); err != nil {
		os.Remove(claim)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	a.Log.Info("bootstrap marker written", "uuid", rec.UUID, "seqno", seqnoText(rec.Seqno), "from", r.RemoteAddr)
	writeJSON(w, http.StatusAccepted, map[string]any{"bootstrap": "requested", "recovered": rec})
}

func writeText(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	fmt.Fprintln(w, msg)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
