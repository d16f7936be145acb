package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func seq(n int64) *int64 { return &n }

func TestPeerObjectionRules(t *testing.T) {
	const u = "6f1b2a3c-1d2e-11ef-9a0b-5f3c2d1e0a9b"
	self := &Recovery{UUID: u, Seqno: seq(10), State: RecoveryWaiting}
	rows := []struct {
		name   string
		peer   State
		object string // substring; "" = no objection
	}{
		{"a peer in a Primary component", State{Node: "db-1", ClusterStatus: "Primary"}, "Primary component"},
		{"a peer told to bootstrap", State{Node: "db-1", BootstrapRequested: true}, "told to bootstrap"},
		{"a peer claiming a bootstrap right now", State{Node: "db-1", BootstrapClaimed: true}, "same moment"},
		{"a peer more advanced on the same history", State{Node: "db-1", Recovered: &Recovery{UUID: u, Seqno: seq(11), State: RecoveryWaiting}}, "seqno 11 > 10"},
		{"a peer behind", State{Node: "db-1", Recovered: &Recovery{UUID: u, Seqno: seq(9), State: RecoveryWaiting}}, ""},
		{"a peer at the same position", State{Node: "db-1", Recovered: &Recovery{UUID: u, Seqno: seq(10), State: RecoveryWaiting}}, ""},
		{"a peer on another history (a person forced this node)", State{Node: "db-1", Recovered: &Recovery{UUID: "other", Seqno: seq(99), State: RecoveryWaiting}}, ""},
		{"a peer still recovering its position", State{Node: "db-1", Recovered: &Recovery{UUID: u, State: RecoveryRecovering}}, ""},
		{"a peer with an empty datadir", State{Node: "db-1"}, ""},
		{"this node itself (listed by the Service's DNS)", State{Node: "db-0", BootstrapClaimed: true}, ""},
	}
	for _, r := range rows {
		got := PeerObjection("db-0", self, r.peer)
		if (r.object == "") != (got == "") || !strings.Contains(got, r.object) {
			t.Errorf("%s: got %q, want %q", r.name, got, r.object)
		}
	}
}

// peerServer serves a fixed /state.
func peerServer(t *testing.T, st State) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, st)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func waitingAgent(t *testing.T, node string, seqno int64) *Agent {
	a, _ := newAgent(t, &fakeSource{err: errors.New("connection refused")})
	a.Node = node
	os.WriteFile(filepath.Join(a.DataDir, RecoveryFileName),
		[]byte(fmt.Sprintf(`{"uuid":"u","seqno":%d,"state":"waiting"}`, seqno)), 0o600)
	return a
}

func TestBootstrapAsksThePeersFirst(t *testing.T) {
	primary := peerServer(t, State{Node: "db-1", ClusterStatus: "Primary"})
	ahead := peerServer(t, State{Node: "db-2", Recovered: &Recovery{UUID: "u", Seqno: seq(8), State: RecoveryWaiting}})
	behind := peerServer(t, State{Node: "db-2", Recovered: &Recovery{UUID: "u", Seqno: seq(3), State: RecoveryWaiting}})
	rows := []struct {
		name  string
		peers string
		want  int
	}{
		{"a peer is Primary", primary + "," + behind, http.StatusConflict},
		{"a peer is more advanced", behind + "," + ahead, http.StatusConflict},
		{"the peers are behind", behind, http.StatusAccepted},
		{"a peer does not answer (it cannot object)", "127.0.0.1:1," + behind, http.StatusAccepted},
	}
	for _, r := range rows {
		a := waitingAgent(t, "db-0", 5)
		a.Peers = StaticPeers(r.peers)
		code, body := call(t, a, "POST", "/bootstrap")
		_, markerErr := os.Stat(filepath.Join(a.DataDir, BootstrapFileName))
		_, claimErr := os.Stat(filepath.Join(a.DataDir, ClaimFileName))
		if code != r.want {
			t.Errorf("%s: got %d %s, want %d", r.name, code, body, r.want)
		}
		if (markerErr == nil) != (r.want == http.StatusAccepted) || claimErr == nil {
			t.Errorf("%s: marker present=%v, claim left=%v", r.name, markerErr == nil, claimErr == nil)
		}
	}
}

// Two agents that list each other, asked to bootstrap at the same moment: never both accept.
func TestConcurrentBootstrapRequestsToTwoNodesAcceptAtMostOne(t *testing.T) {
	for round := 0; round < 40; round++ {
		a := waitingAgent(t, "db-0", 7)
		b := waitingAgent(t, "db-1", 7)
		sa := httptest.NewServer(a.Handler())
		sb := httptest.NewServer(b.Handler())
		a.Peers = StaticPeers(strings.TrimPrefix(sb.URL, "http://"))
		b.Peers = StaticPeers(strings.TrimPrefix(sa.URL, "http://"))
		codes := make([]int, 2)
		var wg sync.WaitGroup
		for i, url := range []string{sa.URL, sb.URL} {
			wg.Add(1)
			go func(i int, url string) {
				defer wg.Done()
				req, _ := http.NewRequest(http.MethodPost, url+"/bootstrap", nil)
				req.Header.Set("Authorization", "Bearer "+testToken)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				var body map[string]any
				json.NewDecoder(resp.Body).Decode(&body)
				resp.Body.Close()
				codes[i] = resp.StatusCode
			}(i, url)
		}
		wg.Wait()
		sa.Close()
		sb.Close()
		markers := 0
		for _, ag := range []*Agent{a, b} {
			if _, err := os.Stat(filepath.Join(ag.DataDir, BootstrapFileName)); err == nil {
				markers++
			}
			if _, err := os.Stat(filepath.Join(ag.DataDir, ClaimFileName)); err == nil {
				t.Fatalf("round %d: a claim was left behind", round)
			}
		}
		accepted := 0
		for _, c := range codes {
			if c == http.StatusAccepted {
				accepted++
			}
		}
		if accepted > 1 || markers != accepted {
			t.Fatalf("round %d: answers %v, %d markers: two nodes may bootstrap", round, codes, markers)
		}
	}
}
