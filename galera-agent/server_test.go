package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

type fakeSource struct {
	st      *WsrepStatus
	running bool
	err     error
}

func (f *fakeSource) Status(context.Context) (*WsrepStatus, bool, error) {
	return f.st, f.running, f.err
}

func synced() *WsrepStatus {
	return &WsrepStatus{Ready: "ON", ClusterStatus: "Primary", LocalState: 4, LocalStateComment: "Synced", ClusterSize: 3}
}

func newAgent(t *testing.T, src StatusSource) (*Agent, *time.Time) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	a := &Agent{Source: src, DataDir: t.TempDir(), Node: "db-0", NonPrimaryGrace: 30 * time.Second,
		DisconnectedGrace: 10 * time.Second,
		Log:               slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now }}
	a.TokenFile = filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(a.TokenFile, []byte(testToken+"\n"), 0o400); err != nil {
		t.Fatal(err)
	}
	return a, &now
}

const testToken = "operator-token-1"

func call(t *testing.T, a *Agent, method, path string) (int, string) {
	return callWith(t, a, method, path, "Bearer "+testToken)
}

func callWith(t *testing.T, a *Agent, method, path, authorization string) (int, string) {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(method, path, nil)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	a.Handler().ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func TestHealthDecisions(t *testing.T) {
	cases := []struct {
		name   string
		src    *fakeSource
		code   int
		reason string
	}{
		{"synced primary", &fakeSource{st: synced(), running: true}, 200, "ready"},
		{"donor", &fakeSource{st: &WsrepStatus{Ready: "ON", ClusterStatus: "Primary", LocalState: 2, LocalStateComment: "Donor/Desynced"}, running: true}, 503, "Donor/Desynced"},
		{"joiner", &fakeSource{st: &WsrepStatus{Ready: "OFF", ClusterStatus: "Primary", LocalState: 1}, running: true}, 503, "wsrep_ready=OFF"},
		{"non-primary", &fakeSource{st: &WsrepStatus{Ready: "OFF", ClusterStatus: "non-Primary", LocalState: 0}, running: true}, 503, "wsrep_ready=OFF"},
		{"ready but non-primary", &fakeSource{st: &WsrepStatus{Ready: "ON", ClusterStatus: "non-Primary", LocalState: 4}, running: true}, 503, "not in the Primary component"},
		{"stopped", &fakeSource{err: errors.New("dial tcp 127.0.0.1:3306: connection refused")}, 503, "connection refused"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, _ := newAgent(t, c.src)
			code, body := call(t, a, "GET", "/health")
			if code != c.code || !strings.Contains(body, c.reason) {
				t.Fatalf("got %d %q, want %d containing %q", code, body, c.code, c.reason)
			}
		})
	}
}

func TestFromStatusRowsWithoutWsrep(t *testing.T) {
	if _, err := FromStatusRows(map[string]string{}); err == nil {
		t.Fatal("a server without wsrep status must not count as healthy")
	}
	st, err := FromStatusRows(map[string]string{"wsrep_ready": "ON", "wsrep_cluster_status": "Primary",
		"wsrep_local_state": "4", "wsrep_cluster_size": "3", "wsrep_last_committed": "77"})
	if err != nil || st.ClusterSize != 3 || st.LastCommitted != 77 {
		t.Fatalf("got %+v %v", st, err)
	}
	if ok, _ := st.Healthy(); !ok {
		t.Fatal("want healthy")
	}
}

// expectLive checks GET /live's status code and, when contains is set, that the body mentions it.
func expectLive(t *testing.T, a *Agent, want int, contains, why string) {
	t.Helper()
	code, body := call(t, a, "GET", "/live")
	if code != want || (contains != "" && !strings.Contains(body, contains)) {
		t.Fatalf("%s: got %d %q", why, code, body)
	}
}

func TestLiveFailsOnlyAfterGraceOutsidePrimary(t *testing.T) {
	src := &fakeSource{st: &WsrepStatus{Ready: "OFF", ClusterStatus: "non-Primary"}, running: true}
	a, now := newAgent(t, src)
	expectLive(t, a, 200, "", "first non-Primary observation must pass")
	*now = now.Add(20 * time.Second)
	expectLive(t, a, 200, "", "within the grace must pass")
	*now = now.Add(15 * time.Second)
	expectLive(t, a, 503, "non-Primary", "after the grace must fail")
	// Back in the Primary component: the clock resets.
	src.st = synced()
	expectLive(t, a, 200, "", "primary must pass")
	src.st = &WsrepStatus{ClusterStatus: "non-Primary"}
	expectLive(t, a, 200, "", "a new non-Primary period starts its own grace")
}

func TestLiveFailsSoonerWhenTheServerLeftTheGroup(t *testing.T) {
	// After "Failed to JOIN the cluster after SST" the server runs on, Disconnected, and never rejoins by itself.
	src := &fakeSource{st: &WsrepStatus{Ready: "OFF", ClusterStatus: "Disconnected"}, running: true}
	a, now := newAgent(t, src)
	expectLive(t, a, 200, "", "first Disconnected observation must pass")
	*now = now.Add(8 * time.Second)
	expectLive(t, a, 200, "", "within the Disconnected grace must pass")
	*now = now.Add(4 * time.Second)
	expectLive(t, a, 503, "Disconnected", "after the Disconnected grace (10 s, not the non-Primary 30 s) must fail")
}

func TestLivePassesWhileServerStopped(t *testing.T) {
	// The start script waits for recovery or an SST runs: restarting would not help.
	a, now := newAgent(t, &fakeSource{err: errors.New("connection refused")})
	for i := 0; i < 5; i++ {
		*now = now.Add(time.Minute)
		if code, _ := call(t, a, "GET", "/live"); code != 200 {
			t.Fatalf("stopped server must count as alive, got %d", code)
		}
	}
}

func TestStateReportsFilesAndStatus(t *testing.T) {
	a, _ := newAgent(t, &fakeSource{err: errors.New("connection refused")})
	os.WriteFile(filepath.Join(a.DataDir, GraStateFileName), []byte(crashedGraState), 0o600)
	os.WriteFile(filepath.Join(a.DataDir, RecoveryFileName),
		[]byte(`{"uuid":"6f1b2a3c-1d2e-11ef-9a0b-5f3c2d1e0a9b","seqno":17,"source":"wsrep-recover"}`), 0o600)
	code, body := call(t, a, "GET", "/state")
	if code != 200 {
		t.Fatalf("got %d", code)
	}
	var s State
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatal(err)
	}
	if s.Seqno != -1 || s.UUID == "" || s.Recovered == nil || *s.Recovered.Seqno != 17 || !s.WaitingForDecision || s.Running || s.BootstrapRequested {
		t.Fatalf("unexpected state %s", body)
	}
	for _, key := range []string{`"uuid"`, `"seqno"`, `"safeToBootstrap"`, `"recovered"`, `"running"`, `"clusterStatus"`, `"localState"`, `"clusterSize"`} {
		if !strings.Contains(body, key) {
			t.Errorf("state JSON lacks %s: %s", key, body)
		}
	}
}

func TestStateOfRunningNode(t *testing.T) {
	a, _ := newAgent(t, &fakeSource{st: synced(), running: true})
	_, body := call(t, a, "GET", "/state")
	var s State
	json.Unmarshal([]byte(body), &s)
	if !s.Running || !s.Ready || s.ClusterStatus != "Primary" || s.ClusterSize != 3 || s.LocalState != 4 || s.Recovered != nil {
		t.Fatalf("unexpected state %s", body)
	}
}

func TestBootstrapRefusedWhileRunning(t *testing.T) {
	a, _ := newAgent(t, &fakeSource{st: synced(), running: true})
	os.WriteFile(filepath.Join(a.DataDir, RecoveryFileName), []byte(`{"uuid":"u","seqno":3}`), 0o600)
	code, body := call(t, a, "POST", "/bootstrap")
	if code != http.StatusConflict || !strings.Contains(body, "running") {
		t.Fatalf("got %d %q", code, body)
	}
	if _, err := os.Stat(filepath.Join(a.DataDir, BootstrapFileName)); err == nil {
		t.Fatal("marker must not be written while running")
	}
}

func TestBootstrapRefusedWhenNotWaiting(t *testing.T) {
	// Stopped but no recovery file: e.g. an SST in progress. A marker now would make a later
	// restart bootstrap a second cluster.
	a, _ := newAgent(t, &fakeSource{err: errors.New("connection refused")})
	code, body := call(t, a, "POST", "/bootstrap")
	if code != http.StatusConflict || !strings.Contains(body, "not waiting") {
		t.Fatalf("got %d %q", code, body)
	}
}

func TestBootstrapWritesMarker(t *testing.T) {
	a, _ := newAgent(t, &fakeSource{err: errors.New("connection refused")})
	os.WriteFile(filepath.Join(a.DataDir, RecoveryFileName), []byte(`{"uuid":"u","seqno":3,"source":"grastate"}`), 0o600)
	code, body := call(t, a, "POST", "/bootstrap")
	if code != http.StatusAccepted {
		t.Fatalf("got %d %q", code, body)
	}
	b, err := os.ReadFile(filepath.Join(a.DataDir, BootstrapFileName))
	if err != nil || !strings.Contains(string(b), `"seqno":3`) {
		t.Fatalf("marker: %q %v", b, err)
	}
	if code, _ := call(t, a, "GET", "/bootstrap"); code != http.StatusMethodNotAllowed {
		t.Fatalf("GET /bootstrap must be refused, got %d", code)
	}
	_, st := call(t, a, "GET", "/state")
	if !strings.Contains(st, `"bootstrapRequested":true`) {
		t.Fatalf("state must show the request: %s", st)
	}
}

func TestServerAnsweredTellsRefusalFromAbsence(t *testing.T) {
	if !serverAnswered(&mysql.MySQLError{Number: 1045, Message: "Access denied"}) {
		t.Fatal("an authentication error comes from a running server")
	}
	if serverAnswered(errors.New("dial tcp 127.0.0.1:3306: connect: connection refused")) {
		t.Fatal("a refused connection means no server")
	}
	if !serverAnswered(fmt.Errorf("query: %w", &mysql.MySQLError{Number: 1227})) {
		t.Fatal("wrapped server errors count too")
	}
}

func TestHealthReportsDrainingBeforeStop(t *testing.T) {
	a, _ := newAgent(t, &fakeSource{st: synced(), running: true})
	if code, _ := call(t, a, "GET", "/health"); code != 200 {
		t.Fatalf("synced node before the drain: got %d, want 200", code)
	}
	if err := os.WriteFile(filepath.Join(a.DataDir, DrainFileName), nil, 0o640); err != nil {
		t.Fatal(err)
	}
	code, body := call(t, a, "GET", "/health")
	if code != 503 || !strings.Contains(body, "draining") {
		t.Fatalf("draining node: got %d %q, want 503 with draining", code, body)
	}
	_, stateBody := call(t, a, "GET", "/state")
	var st State
	if err := json.Unmarshal([]byte(stateBody), &st); err != nil {
		t.Fatal(err)
	}
	if !st.Draining || st.ClusterStatus != "Primary" {
		t.Fatalf("state while draining: %+v", st)
	}
	expectLive(t, a, 200, "", "a draining node stays alive")
}

func TestBootstrapRefusalRules(t *testing.T) {
	n := func(v int64) *int64 { return &v }
	const u = "6f1b2a3c-1d2e-11ef-9a0b-5f3c2d1e0a9b"
	rows := []struct {
		name    string
		running bool
		rec     *Recovery
		refused string // substring of the refusal; "" = accepted
	}{
		{"server running", true, &Recovery{UUID: u, Seqno: n(3)}, "running"},
		{"no recovery file (SST or start in progress)", false, nil, "not waiting"},
		{"position still being recovered", false, &Recovery{UUID: "", State: RecoveryRecovering, Error: "InnoDB lock held"}, "InnoDB lock held"},
		{"aborted state transfer", false, &Recovery{UUID: ZeroUUID, State: RecoveryNeedsSST}, "needs-sst"},
		{"waiting with an unknown seqno (null)", false, &Recovery{UUID: u, State: RecoveryWaiting}, "not known"},
		{"older script's -1", false, &Recovery{UUID: u, Seqno: n(-1)}, "not known"},
		{"zero uuid with a seqno", false, &Recovery{UUID: ZeroUUID, Seqno: n(5), State: RecoveryWaiting}, "not known"},
		{"seqno 0 is a position", false, &Recovery{UUID: u, Seqno: n(0), State: RecoveryWaiting}, ""},
		{"known position, older script (no state)", false, &Recovery{UUID: u, Seqno: n(81)}, ""},
	}
	for _, r := range rows {
		err := BootstrapRefusal(r.running, r.rec)
		switch {
		case r.refused == "" && err != nil:
			t.Errorf("%s: refused: %v", r.name, err)
		case r.refused != "" && (err == nil || !strings.Contains(err.Error(), r.refused)):
			t.Errorf("%s: want a refusal containing %q, got %v", r.name, r.refused, err)
		}
	}
}

func TestStateOfANodeStillRecoveringItsPosition(t *testing.T) {
	a, _ := newAgent(t, &fakeSource{err: errors.New("connection refused")})
	os.WriteFile(filepath.Join(a.DataDir, GraStateFileName), []byte(crashedGraState), 0o600)
	os.WriteFile(filepath.Join(a.DataDir, RecoveryFileName), []byte(`{"uuid":"","seqno":null,"state":"recovering",`+
		`"error":"Unable to lock ./ibdata1","attempts":2,"source":"wsrep-recover"}`), 0o600)
	_, body := call(t, a, "GET", "/state")
	var s State
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatal(err)
	}
	if s.WaitingForDecision || !s.HasData || s.Recovered == nil || s.Recovered.Seqno != nil ||
		s.Recovered.State != RecoveryRecovering || !strings.Contains(body, `"seqno":null`) {
		t.Fatalf("unexpected state %s", body)
	}
	code, _ := call(t, a, "POST", "/bootstrap")
	if _, err := os.Stat(filepath.Join(a.DataDir, BootstrapFileName)); code != http.StatusConflict || err == nil {
		t.Fatalf("a node without a position must refuse: %d, marker err %v", code, err)
	}
}

func TestStateOfAnEmptyDatadir(t *testing.T) {
	a, _ := newAgent(t, &fakeSource{err: errors.New("connection refused")})
	_, body := call(t, a, "GET", "/state")
	if !strings.Contains(body, `"hasData":false`) {
		t.Fatalf("empty datadir: %s", body)
	}
	os.Mkdir(filepath.Join(a.DataDir, "mysql"), 0o700)
	if _, body = call(t, a, "GET", "/state"); !strings.Contains(body, `"hasData":true`) {
		t.Fatalf("datadir with the mysql schema: %s", body)
	}
}

func TestBootstrapNeedsTheOperatorsToken(t *testing.T) {
	rows := []struct {
		name          string
		authorization string
		tokenFile     string // "" keeps the test token; "none" unsets it; "missing" points nowhere
		want          int
	}{
		{"no Authorization header", "", "", http.StatusUnauthorized},
		{"not a bearer token", "Basic b3A6dG9rZW4=", "", http.StatusUnauthorized},
		{"empty bearer token", "Bearer ", "", http.StatusUnauthorized},
		{"wrong token", "Bearer operator-token-2", "", http.StatusForbidden},
		{"a prefix of the token", "Bearer operator-token", "", http.StatusForbidden},
		{"agent without a token file configured", "Bearer " + testToken, "none", http.StatusForbidden},
		{"agent whose token file is missing", "Bearer " + testToken, "missing", http.StatusForbidden},
		{"the operator's token", "Bearer " + testToken, "", http.StatusAccepted},
	}
	for _, r := range rows {
		a, _ := newAgent(t, &fakeSource{err: errors.New("connection refused")})
		switch r.tokenFile {
		case "none":
			a.TokenFile = ""
		case "missing":
			a.TokenFile = filepath.Join(t.TempDir(), "absent")
		}
		os.WriteFile(filepath.Join(a.DataDir, RecoveryFileName), []byte(`{"uuid":"u","seqno":3,"state":"waiting"}`), 0o600)
		code, body := callWith(t, a, "POST", "/bootstrap", r.authorization)
		_, err := os.Stat(filepath.Join(a.DataDir, BootstrapFileName))
		if code != r.want {
			t.Errorf("%s: got %d %s, want %d", r.name, code, body, r.want)
		}
		if marker := err == nil; marker != (r.want == http.StatusAccepted) {
			t.Errorf("%s: marker written = %v (answer %d): a refused request must change nothing", r.name, marker, code)
		}
	}
}

func TestReadOnlyEndpointsNeedNoToken(t *testing.T) {
	a, _ := newAgent(t, &fakeSource{st: synced(), running: true})
	for _, path := range []string{"/health", "/live", "/state"} {
		if code, body := callWith(t, a, "GET", path, ""); code != http.StatusOK {
			t.Errorf("GET %s without a token: %d %s", path, code, body)
		}
	}
}
