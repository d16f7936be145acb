package main

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// One row per rule of docs/dataplane.md ("galera-agent start: the rules").

func st(mod func(*State)) *State {
	s := &State{Seqno: -1}
	if mod != nil {
		mod(s)
	}
	return s
}

func TestPrimaryPeer(t *testing.T) {
	primary := func(node string, ready bool) *State {
		return st(func(s *State) { s.Node, s.ClusterStatus, s.Ready = node, "Primary", ready })
	}
	cases := []struct {
		name              string
		answers           []PeerAnswer
		wantAgent, wantNd string
		wantOK            bool
	}{
		{"no peer answers: none", []PeerAnswer{{"a0", nil}, {"a1", nil}}, "", "", false},
		{"peers answer, none Primary: none",
			[]PeerAnswer{{"a0", st(func(s *State) { s.ClusterStatus = "non-Primary" })}, {"a1", st(nil)}}, "", "", false},
		{"a Synced Primary peer is preferred to a joining Primary one",
			[]PeerAnswer{{"a0", primary("db-0", true)}, {"a1", primary("db-1", false)}}, "a0", "db-0", true},
		{"highest ordinal first among Synced peers",
			[]PeerAnswer{{"a0", primary("db-0", true)}, {"a1", primary("db-1", true)}}, "a1", "db-1", true},
		{"only non-Synced Primary peers: the highest ordinal one",
			[]PeerAnswer{{"a0", primary("db-0", false)}, {"a1", primary("db-1", false)}}, "a1", "db-1", true},
		{"a Primary peer without a node name still counts",
			[]PeerAnswer{{"a0", primary("", true)}}, "a0", "", true},
	}
	for _, c := range cases {
		a, n, ok := PrimaryPeer(c.answers)
		if a != c.wantAgent || n != c.wantNd || ok != c.wantOK {
			t.Errorf("%s: got (%q, %q, %v), want (%q, %q, %v)", c.name, a, n, ok, c.wantAgent, c.wantNd, c.wantOK)
		}
	}
}

func TestChooseDonor(t *testing.T) {
	synced := func(node string) *State {
		return st(func(s *State) { s.Node, s.ClusterStatus, s.Ready = node, "Primary", true })
	}
	joining := func(node string) *State {
		return st(func(s *State) { s.Node, s.ClusterStatus, s.Ready = node, "Primary", false })
	}
	u := SessionsUnknown
	cases := []struct {
		name     string
		answers  []PeerAnswer
		sessions []int
		want     string
	}{
		{"the writer on the lowest ordinal (no switchover): the highest idle node",
			[]PeerAnswer{{"a0", synced("db-0")}, {"a1", synced("db-1")}, {"a2", synced("db-2")}}, []int{12, 0, 0}, "db-2"},
		{"after a switchover to the highest ordinal: never the writer while another node is Synced",
			[]PeerAnswer{{"a0", synced("db-0")}, {"a1", synced("db-1")}, {"a2", synced("db-2")}}, []int{0, 0, 9}, "db-1"},
		{"joiner db-0, writer db-2 after a failover (the proxies' config still names db-0): db-1",
			[]PeerAnswer{{"a1", synced("db-1")}, {"a2", synced("db-2")}}, []int{0, 7}, "db-1"},
		{"joiner db-2, writer db-1 stuck there after a failover, the configured db-0 back and idle: db-0",
			[]PeerAnswer{{"a0", synced("db-0")}, {"a1", synced("db-1")}}, []int{0, 15}, "db-0"},
		{"the writer is the only Synced peer: it gives the transfer (a joining peer cannot)",
			[]PeerAnswer{{"a0", synced("db-0")}, {"a1", joining("db-1")}}, []int{8, u}, "db-0"},
		{"two proxies stuck on two nodes: the idle third one",
			[]PeerAnswer{{"a0", synced("db-0")}, {"a1", synced("db-1")}, {"a2", synced("db-2")}}, []int{4, 0, 5}, "db-1"},
		{"sessions not counted anywhere (older peer agents): the highest Synced ordinal",
			[]PeerAnswer{{"a0", synced("db-0")}, {"a1", synced("db-1")}}, []int{u, u}, "db-1"},
		{"a node of unknown sessions before the node known to serve the application",
			[]PeerAnswer{{"a0", synced("db-0")}, {"a1", synced("db-1")}}, []int{u, 3}, "db-0"},
		{"an idle node before one of unknown sessions",
			[]PeerAnswer{{"a0", synced("db-0")}, {"a1", synced("db-1")}}, []int{0, u}, "db-0"},
		{"no counts given at all: the highest Synced ordinal",
			[]PeerAnswer{{"a0", synced("db-0")}, {"a1", synced("db-1")}}, nil, "db-1"},
		{"no Synced peer: the highest joining Primary one",
			[]PeerAnswer{{"a0", joining("db-0")}, {"a1", joining("db-1")}, {"a2", nil}}, []int{u, u, u}, "db-1"},
		{"no Primary peer: none (Galera's choice)",
			[]PeerAnswer{{"a0", st(func(s *State) { s.Node, s.ClusterStatus = "db-0", "non-Primary" })}, {"a1", nil}}, nil, ""},
		{"an unnamed Primary peer cannot be named",
			[]PeerAnswer{{"a0", synced("")}}, []int{0}, ""},
	}
	for _, c := range cases {
		if got := ChooseDonor(c.answers, c.sessions); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

func TestAppSessionsQuery(t *testing.T) {
	want := "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'app\\'x' AND ID <> CONNECTION_ID()"
	if got := AppSessionsQuery("app'x"); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestNewClusterBlocker(t *testing.T) {
	cases := []struct {
		name    string
		answers []PeerAnswer
		want    string // substring; "" means allowed
	}{
		{"every peer answers without data: a new cluster", []PeerAnswer{{"a1", st(nil)}, {"a2", st(nil)}}, ""},
		{"no peers (a one-node cluster): a new cluster", nil, ""},
		{"a peer does not answer: wait (it may hold the data)", []PeerAnswer{{"a1", st(nil)}, {"a2", nil}}, "do not answer yet: a2"},
		{"a peer runs a server: wait and join", []PeerAnswer{{"a1", st(func(s *State) { s.Running = true })}}, "peers hold data"},
		{"a peer waits for a recovery decision: wait", []PeerAnswer{{"a1", st(func(s *State) { s.WaitingForDecision = true })}}, "peers hold data"},
		{"a peer's grastate.dat has a real uuid: wait", []PeerAnswer{{"a1", st(func(s *State) { s.UUID = "6a9c3b5e-0000-0000-0000-000000000001" })}}, "peers hold data"},
		{"a peer with the zero uuid (aborted SST) holds no history", []PeerAnswer{{"a1", st(func(s *State) { s.UUID = ZeroUUID })}}, ""},
		{"data wins over silence in the reason", []PeerAnswer{{"a1", nil}, {"a2", st(func(s *State) { s.Running = true })}}, "peers hold data of an existing cluster: a2"},
	}
	for _, c := range cases {
		got := NewClusterBlocker(c.answers)
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

func TestChoosePath(t *testing.T) {
	cases := []struct {
		name string
		f    LocalFacts
		want Path
	}{
		{"empty datadir", LocalFacts{}, PathEmpty},
		{"empty datadir, ordinal 2", LocalFacts{Ordinal: 2}, PathEmpty},
		{"ordinal 0: datadir, no initialized marker, no grastate.dat: finish the first bootstrap",
			LocalFacts{HasData: true}, PathUnfinishedFirstBootstrap},
		{"ordinal 0 initialized: a restart", LocalFacts{HasData: true, Initialized: true}, PathRestart},
		{"ordinal 0 with grastate.dat (joined once, marker never written): a restart",
			LocalFacts{HasData: true, GraStateExists: true}, PathRestart},
		{"ordinal 1 with data but no marker: a restart (only ordinal 0 creates clusters)",
			LocalFacts{HasData: true, Ordinal: 1}, PathRestart},
		{"ordinal 0 restored, never initialized: a new cluster from the restored data",
			LocalFacts{HasData: true, GraStateExists: true, Restored: true}, PathRestored},
		{"ordinal 0 restored and initialized (it ran a cluster since): a restart",
			LocalFacts{HasData: true, GraStateExists: true, Restored: true, Initialized: true}, PathRestart},
		{"ordinal 1 with a restored marker (never written there): a restart, not a bootstrap",
			LocalFacts{HasData: true, GraStateExists: true, Restored: true, Ordinal: 1}, PathRestart},
		{"a restored marker without data is no data", LocalFacts{Restored: true}, PathEmpty},
	}
	for _, c := range cases {
		if got := ChoosePath(c.f); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
}

func TestPositionFrom(t *testing.T) {
	cases := []struct {
		name string
		gs   GraState
		want PositionSource
	}{
		{"clean shutdown: grastate.dat has the seqno", GraState{UUID: "u", Seqno: 42}, FromGraState},
		{"seqno 0 is a position, not unknown", GraState{UUID: "u", Seqno: 0}, FromGraState},
		{"crash (seqno -1): ask InnoDB", GraState{UUID: "u", Seqno: -1}, FromWsrepRecover},
		{"no grastate.dat (uuid empty, seqno -1): ask InnoDB", GraState{Seqno: -1}, FromWsrepRecover},
		{"zero uuid: an unfinished SST, never a source, even with a seqno", GraState{UUID: ZeroUUID, Seqno: 7}, NeedsSST},
		{"zero uuid and -1", GraState{UUID: ZeroUUID, Seqno: -1}, NeedsSST},
	}
	for _, c := range cases {
		if got := PositionFrom(c.gs); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
}

func TestParseWsrepRecover(t *testing.T) {
	const u = "6a9c3b5e-1111-2222-3333-444455556666"
	cases := []struct {
		name      string
		log       string
		wantUUID  string
		wantSeqno int64
		wantErr   string // substring, "" = no error
	}{
		{"MariaDB line", "2026-12-06 [Note] WSREP: Recovered position: " + u + ":1234\n", u, 1234, ""},
		{"PXC line without colon", "[Note] [MY-000000] [WSREP] Recovered position " + u + ":7\n", u, 7, ""},
		{"seqno 0 is a position", "WSREP: Recovered position: " + u + ":0\n", u, 0, ""},
		{"the last line wins", "Recovered position: " + u + ":5\nRecovered position: " + u + ":9\n", u, 9, ""},
		{"seqno -1: unknown, with the reason", "Recovered position: " + u + ":-1\n", u, -1, "found no position"},
		{"zero uuid: unknown", "Recovered position: " + ZeroUUID + ":12\n", ZeroUUID, -1, "found no position"},
		{"InnoDB locked: the first [ERROR] line is the reason",
			"[ERROR] InnoDB: Unable to lock ./ibdata1 error: 11\n[ERROR] second\n", "", -1, "Unable to lock ./ibdata1"},
		{"empty log", "", "", -1, "no 'Recovered position' line"},
	}
	for _, c := range cases {
		gotU, gotS, gotE := ParseWsrepRecover(c.log)
		if gotU != c.wantUUID || gotS != c.wantSeqno || (c.wantErr == "") != (gotE == "") || !strings.Contains(gotE, c.wantErr) {
			t.Errorf("%s: got (%q, %d, %q), want (%q, %d, ~%q)", c.name, gotU, gotS, gotE, c.wantUUID, c.wantSeqno, c.wantErr)
		}
		if strings.Contains(gotE, "second") {
			t.Errorf("%s: only the first [ERROR] line belongs in the reason: %q", c.name, gotE)
		}
	}
}

func TestNextRecoverDelay(t *testing.T) {
	var d time.Duration
	var got []int
	for i := 0; i < 7; i++ {
		d = NextRecoverDelay(d)
		got = append(got, int(d.Seconds()))
	}
	if want := []int{3, 6, 12, 24, 48, 60, 60}; !reflect.DeepEqual(got, want) {
		t.Errorf("backoff: got %v, want %v (3 s doubling to 60 s)", got, want)
	}
}

func TestRecoveryRecord(t *testing.T) {
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	safe := GraState{UUID: "u", Seqno: 5, SafeToBootstrap: true}
	cases := []struct {
		name      string
		seqno     int64
		state     string
		wantSeqno string // "null" or a number
		wantSafe  bool
	}{
		{"waiting with a known position: seqno and safe_to_bootstrap published", 5, RecoveryWaiting, "5", true},
		{"waiting with seqno 0: published as 0", 0, RecoveryWaiting, "0", true},
		{"recovering: seqno null (never -1), not safe", -1, RecoveryRecovering, "null", false},
		{"recovering never publishes a number even if one was seen", 5, RecoveryRecovering, "null", false},
		{"needs-sst: seqno null, not safe", -1, RecoveryNeedsSST, "null", false},
		{"waiting but -1 (cannot happen): null, not a number", -1, RecoveryWaiting, "null", true},
	}
	for _, c := range cases {
		r := RecoveryRecord("u", c.seqno, safe, FromWsrepRecover, c.state, "", 2, "db-0", now)
		gotSeqno := "null"
		if r.Seqno != nil {
			gotSeqno = strconv.FormatInt(*r.Seqno, 10)
		}
		if gotSeqno != c.wantSeqno || r.SafeToBootstrap != c.wantSafe {
			t.Errorf("%s: got seqno %s safe %v, want %s %v", c.name, gotSeqno, r.SafeToBootstrap, c.wantSeqno, c.wantSafe)
		}
		if r.Time != "2026-12-06T10:00:00Z" || r.Node != "db-0" || r.Attempts != 2 || r.Source != "wsrep-recover" {
			t.Errorf("%s: metadata %+v", c.name, r)
		}
	}
}

func TestWaitStep(t *testing.T) {
	cases := []struct {
		name    string
		mode    WaitMode
		primary bool
		marker  bool
		blocker string
		want    Action
	}{
		{"recovery: a Primary peer appears: join", WaitRecovery, true, false, "", ActJoin},
		{"recovery: a Primary peer wins over the marker (never two Primary components)", WaitRecovery, true, true, "", ActJoin},
		{"recovery: the marker: bootstrap from this node's data", WaitRecovery, false, true, "", ActBootstrapRecovered},
		{"recovery: nothing yet: wait", WaitRecovery, false, false, "", ActWait},
		{"new cluster: allowed: bootstrap a new cluster", WaitNewCluster, false, false, "", ActBootstrapNewCluster},
		{"new cluster: blocked: wait", WaitNewCluster, false, false, "peers hold data", ActWait},
		{"new cluster: a Primary peer: join", WaitNewCluster, true, false, "", ActJoin},
		{"new cluster: a marker means nothing to an empty node", WaitNewCluster, false, true, "peer agents do not answer yet", ActWait},
		{"primary only: the marker is ignored (needs-sst is never a source)", WaitPrimary, false, true, "", ActWait},
		{"primary only: join when a Primary peer appears", WaitPrimary, true, false, "", ActJoin},
		{"restored: every peer answers without data: bootstrap from the restore", WaitRestored, false, false, "", ActBootstrapRestored},
		{"restored: a peer holds data or does not answer: wait", WaitRestored, false, false, "peers hold data", ActWait},
		{"restored: a Primary peer (this node bootstrapped before a restart): join", WaitRestored, true, false, "", ActJoin},
		{"restored: the recovery marker means nothing", WaitRestored, false, true, "peer agents do not answer yet", ActWait},
	}
	for _, c := range cases {
		if got := WaitStep(c.mode, c.primary, c.marker, c.blocker); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
}

func TestAfterPosition(t *testing.T) {
	cases := []struct {
		name     string
		source   PositionSource
		single   bool
		wantAct  Action
		wantMode WaitMode
	}{
		{"needs-sst waits for a Primary peer, even alone", NeedsSST, true, ActWait, WaitPrimary},
		{"single node (REPLICAS=1) bootstraps from its own data", FromGraState, true, ActBootstrapRecovered, ""},
		{"single node after a crash too", FromWsrepRecover, true, ActBootstrapRecovered, ""},
		{"several nodes: wait for the operator's decision", FromGraState, false, ActWait, WaitRecovery},
		{"several nodes after a crash: wait", FromWsrepRecover, false, ActWait, WaitRecovery},
	}
	for _, c := range cases {
		a, m := AfterPosition(c.source, c.single)
		if a != c.wantAct || m != c.wantMode {
			t.Errorf("%s: got (%s, %s), want (%s, %s)", c.name, a, m, c.wantAct, c.wantMode)
		}
	}
}

func TestWatchdog(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	type obs struct {
		at          int // seconds after t0
		status      string
		peerPrimary bool
		wantFirst   bool
		wantStop    bool
	}
	cases := []struct {
		name string
		seq  []obs
	}{
		{"outside Primary while a peer is Primary for STUCK seconds: stop", []obs{
			{0, "non-Primary", true, true, false}, {9, "non-Primary", true, false, false}, {20, "Disconnected", true, false, true}}},
		{"a partitioned node reaches no Primary peer: left alone", []obs{
			{0, "non-Primary", false, false, false}, {30, "non-Primary", false, false, false}}},
		{"the server does not answer: no action", []obs{{0, "", true, false, false}, {30, "", true, false, false}}},
		{"back to Primary resets the clock", []obs{
			{0, "non-Primary", true, true, false}, {15, "Primary", true, false, false},
			{16, "non-Primary", true, true, false}, {30, "non-Primary", true, false, false}}},
	}
	for _, c := range cases {
		w := &Watchdog{Stuck: 20 * time.Second}
		for i, o := range c.seq {
			first, stop := w.Observe(t0.Add(time.Duration(o.at)*time.Second), o.status, o.peerPrimary)
			if first != o.wantFirst || stop != o.wantStop {
				t.Errorf("%s, step %d: got (first %v, stop %v), want (%v, %v)", c.name, i, first, stop, o.wantFirst, o.wantStop)
			}
		}
	}
}

func TestAfterExit(t *testing.T) {
	cases := []struct {
		name    string
		stuck   bool
		attempt int
		want    ExitAction
	}{
		{"the server exited by itself: the container exits with its status", false, 0, ExitWithServer},
		{"stopped by the watchdog: start over", true, 0, StartOver},
		{"third watchdog stop in a row: still starts over (limit 3)", true, 2, StartOver},
		{"fourth: give up, the kubelet's back-off takes over", true, 3, GiveUp},
	}
	for _, c := range cases {
		if got := AfterExit(c.stuck, c.attempt, 3); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
}

func TestDrainStep(t *testing.T) {
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name     string
		sessions int
		deadline time.Time
		wantDone bool
		wantWhy  string
	}{
		{"the server does not answer: nothing to drain", -1, now.Add(time.Minute), true, "does not answer"},
		{"no app session left: done", 0, now.Add(time.Minute), true, "no application session left"},
		{"sessions open: wait", 2, now.Add(time.Second), false, ""},
		{"sessions open after DRAIN_TIMEOUT_SECONDS: stop anyway", 2, now, true, "after the timeout"},
	}
	for _, c := range cases {
		done, why := DrainStep(c.sessions, now, c.deadline)
		if done != c.wantDone || !strings.Contains(why, c.wantWhy) {
			t.Errorf("%s: got (%v, %q), want (%v, ~%q)", c.name, done, why, c.wantDone, c.wantWhy)
		}
	}
}

func TestJoinAndBootstrapArgs(t *testing.T) {
	cases := []struct {
		name string
		got  []string
		want []string
	}{
		{"join with a known position and a donor: the donor first, then any",
			JoinArgs("gcomm://a,b", "u", 5, "db-1", "db-2"),
			[]string{"--wsrep-cluster-address=gcomm://a,b", "--wsrep-start-position=u:5", "--wsrep-sst-donor=db-1,"}},
		{"join with an unknown position: no start position, Galera's donor",
			JoinArgs("gcomm://a", "", -1, "", "db-2"), []string{"--wsrep-cluster-address=gcomm://a"}},
		{"join: this node is never its own donor",
			JoinArgs("gcomm://a", "u", 0, "db-2", "db-2"), []string{"--wsrep-cluster-address=gcomm://a", "--wsrep-start-position=u:0"}},
		{"bootstrap a new cluster", BootstrapArgs("", -1), []string{"--wsrep-cluster-address=gcomm://", "--wsrep-new-cluster"}},
		{"bootstrap from recovered data: its position",
			BootstrapArgs("u", 9), []string{"--wsrep-cluster-address=gcomm://", "--wsrep-new-cluster", "--wsrep-start-position=u:9"}},
	}
	for _, c := range cases {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
}

func TestSetSafeToBootstrap(t *testing.T) {
	in := "# GALERA saved state\nversion: 2.1\nuuid:    u\nseqno:   -1\nsafe_to_bootstrap: 0\n"
	want := "# GALERA saved state\nversion: 2.1\nuuid:    u\nseqno:   -1\nsafe_to_bootstrap: 1\n"
	if got := SetSafeToBootstrap(in); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := SetSafeToBootstrap("uuid: u\nseqno: 3"); got != "uuid: u\nseqno: 3" {
		t.Errorf("a file without the key is kept as it is: %q", got)
	}
}
