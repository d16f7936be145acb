package main

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

func mapEnv(m map[string]string) Env { return func(k string) string { return m[k] } }

func TestLoadStartConfig(t *testing.T) {
	pod := map[string]string{"POD_NAME": "ms-db-1", "PEER_SERVICE": "ms-db-peers", "POD_NAMESPACE": "shop",
		"REPLICAS": "3", "POD_IP": "10.0.0.7"}
	c, err := LoadStartConfig(mapEnv(pod), "host", nil)
	if err != nil {
		t.Fatal(err)
	}
	wantPeers := []string{"ms-db-0.ms-db-peers.shop.svc.cluster.local", "ms-db-1.ms-db-peers.shop.svc.cluster.local",
		"ms-db-2.ms-db-peers.shop.svc.cluster.local"}
	if !reflect.DeepEqual(c.Peers, wantPeers) {
		t.Errorf("peers: %q", c.Peers)
	}
	wantAgents := []string{"ms-db-0.ms-db-peers.shop.svc.cluster.local:9200", "ms-db-2.ms-db-peers.shop.svc.cluster.local:9200"}
	if !reflect.DeepEqual(c.Agents, wantAgents) {
		t.Errorf("agents (own pod excluded): %q", c.Agents)
	}
	if c.Ordinal != 1 || c.NodeAddress != "10.0.0.7" || c.SingleNode || c.DataDir != "/var/lib/mysql" ||
		c.RunDir != "/tmp/messagestack-galera" || c.Stuck.Seconds() != 20 || c.RejoinLimit != 3 || c.DrainTimeout.Seconds() != 15 {
		t.Errorf("defaults: %+v", c)
	}

	loop := map[string]string{"POD_NAME": "ms-db-0", "GALERA_PEERS": "127.0.0.1:14567,127.0.0.1:14577",
		"GALERA_PEER_AGENTS": "127.0.0.1:14201", "REPLICAS": "1", "DATADIR": "/d", "STUCK_SECONDS": "8",
		"MESSAGESTACK_REJOIN_ATTEMPT": "2", "NODE_ADDRESS": "127.0.0.1:14567"}
	c, err = LoadStartConfig(mapEnv(loop), "host", func() string { t.Error("resolved although NODE_ADDRESS is set"); return "" })
	if err != nil {
		t.Fatal(err)
	}
	if c.SingleNode {
		t.Error("GALERA_PEERS set: never a single-node cluster")
	}
	if !reflect.DeepEqual(c.Agents, []string{"127.0.0.1:14201"}) || c.DataDir != "/d" || c.Stuck.Seconds() != 8 || c.RejoinAttempt != 2 {
		t.Errorf("overrides: %+v", c)
	}

	single := map[string]string{"POD_NAME": "x-db-0", "PEER_SERVICE": "p", "REPLICAS": "1"}
	if c, _ := LoadStartConfig(mapEnv(single), "h", func() string { return "10.1.1.1" }); !c.SingleNode || c.NodeAddress != "10.1.1.1" {
		t.Errorf("REPLICAS=1: single node, address from the hostname: %+v", c)
	}

	for name, e := range map[string]map[string]string{
		"ordinal":       {"POD_NAME": "nodash", "PEER_SERVICE": "p", "REPLICAS": "3"},
		"PEER_SERVICE":  {"POD_NAME": "a-0", "REPLICAS": "3"},
		"REPLICAS":      {"POD_NAME": "a-0", "PEER_SERVICE": "p", "REPLICAS": "x"},
		"STUCK_SECONDS": {"POD_NAME": "a-0", "GALERA_PEERS": "a", "STUCK_SECONDS": "-1"},
	} {
		if _, err := LoadStartConfig(mapEnv(e), "h", nil); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("bad %s: error %v should name it", name, err)
		}
	}
}

func TestCheckSecrets(t *testing.T) {
	ok := StartConfig{MonitorUser: "monitor", MonitorPass: "m", RootPassword: "r", AppDatabase: "messages",
		AppUser: "messageapi", AppPassword: "a", SSTUser: "sst", SSTPassword: "s"}
	if err := ok.CheckSecrets(); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(*StartConfig){
		"MONITOR_USER":        func(c *StartConfig) { c.MonitorUser = "mon`itor" },
		"MONITOR_PASSWORD":    func(c *StartConfig) { c.MonitorPass = "" },
		"MYSQL_ROOT_PASSWORD": func(c *StartConfig) { c.RootPassword = "" },
		"APP_DATABASE":        func(c *StartConfig) { c.AppDatabase = "a-b" },
		"APP_USER":            func(c *StartConfig) { c.AppUser = "" },
		"APP_PASSWORD":        func(c *StartConfig) { c.AppPassword = "" },
		"SST_USER":            func(c *StartConfig) { c.SSTUser = "s'" },
		"BACKUP_USER":         func(c *StartConfig) { c.BackupUser = "b@k"; c.BackupPass = "p" },
		"BINLOG_USER":         func(c *StartConfig) { c.BinlogUser = "b l"; c.BinlogPass = "p" },
	} {
		c := ok
		mod(&c)
		if err := c.CheckSecrets(); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %v should name it", name, err)
		}
	}
}

func TestUserStatements(t *testing.T) {
	c := StartConfig{MonitorUser: "monitor", MonitorPass: "m'x", RootPassword: `r\`, AppDatabase: "messages",
		AppUser: "messageapi", AppPassword: "a", SSTUser: "sst", SSTPassword: "s"}
	all := strings.Join(UserStatements(c, KindMariaDB, []string{"DROP USER IF EXISTS 'root'@'%'"}), ";\n")
	for _, want := range []string{
		"DROP USER IF EXISTS 'monitor'@'%'",
		"CREATE USER IF NOT EXISTS 'monitor'@'localhost' IDENTIFIED BY 'm\\'x'",
		"CREATE USER IF NOT EXISTS 'monitor'@'127.0.0.1'",
		"GRANT USAGE ON *.* TO 'monitor'@'::1'",
		"GRANT RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR ON *.* TO 'sst'@'localhost'",
		"GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP, REFERENCES, CREATE VIEW, SHOW VIEW, LOCK TABLES, CREATE TEMPORARY TABLES ON `messages`.* TO 'messageapi'@'%'",
		"DROP USER IF EXISTS 'root'@'%'",
		"ALTER USER 'root'@'localhost' IDENTIFIED BY 'r\\\\'",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("missing %q in\n%s", want, all)
		}
	}
	if strings.Index(all, "DROP USER IF EXISTS 'monitor'@'%'") < strings.Index(all, "GRANT USAGE ON *.* TO 'monitor'@'127.0.0.1'") {
		t.Error("the '%' monitor account is dropped only after the local ones exist (the agent keeps logging in)")
	}
	for _, never := range []string{"'monitor'@'%' IDENTIFIED", "PROCESS ON *.* TO 'monitor'", "'sst'@'%'", "ALL PRIVILEGES ON"} {
		if strings.Contains(all, never) {
			t.Errorf("must not contain %q:\n%s", never, all)
		}
	}
	pxc := strings.Join(UserStatements(c, KindPXC, nil), "\n")
	if strings.Contains(pxc, "'sst'") || strings.Contains(pxc, "BINLOG MONITOR") {
		t.Errorf("Percona (xtrabackup SST, its own internal user): no SST user:\n%s", pxc)
	}
	c.SSTPassword = ""
	if strings.Contains(strings.Join(UserStatements(c, KindMariaDB, nil), "\n"), "'sst'") {
		t.Error("no SST password: no SST user")
	}
	if strings.Contains(all, "'backup'") {
		t.Error("no BACKUP_PASSWORD: no backup user")
	}
	c.BackupUser, c.BackupPass = "backup", "b'k"
	withBackup := strings.Join(UserStatements(c, KindMariaDB, nil), "\n")
	for _, want := range []string{"CREATE USER IF NOT EXISTS 'backup'@'%' IDENTIFIED BY 'b\\'k'",
		"REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'backup'@'%'",
		"GRANT RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR ON *.* TO 'backup'@'%'"} {
		if !strings.Contains(withBackup, want) {
			t.Errorf("missing %q in\n%s", want, withBackup)
		}
	}
	if strings.Contains(withBackup, "'binlog'") {
		t.Error("no BINLOG_PASSWORD: no binlog user")
	}
	c.BinlogUser, c.BinlogPass = "binlog", "b'l"
	withBinlog := strings.Join(UserStatements(c, KindMariaDB, nil), "\n")
	for _, want := range []string{"CREATE USER IF NOT EXISTS 'binlog'@'%' IDENTIFIED BY 'b\\'l'",
		"REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'binlog'@'%'",
		"GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO 'binlog'@'%'"} {
		if !strings.Contains(withBinlog, want) {
			t.Errorf("missing %q in\n%s", want, withBinlog)
		}
	}
	if strings.Contains(strings.Join(UserStatements(c, KindPXC, nil), "\n"), "'binlog'") {
		t.Error("Percona: no binlog user (PITR is MariaDB Galera only)")
	}
	if strings.Contains(strings.Join(UserStatements(c, KindPXC, nil), "\n"), "'backup'") {
		t.Error("Percona: no backup user yet (xtrabackup 8.0 needs other grants; not built)")
	}
}

func TestChooseEngine(t *testing.T) {
	mariadb := ImageFacts{Mariadbd: "/usr/sbin/mariadbd", Provider: "/usr/lib/galera/libgalera_smm.so",
		HasMariabackup: true, HasSocat: true, HasRsync: true}
	cases := []struct {
		name     string
		f        ImageFacts
		want     string
		sstPW    string
		wantKind string
		wantSST  string
		wantErr  string
	}{
		{"MariaDB with mariabackup, socat and an SST password: mariabackup", mariadb, "", "s", KindMariaDB, "mariabackup", ""},
		{"MariaDB without an SST password: rsync", mariadb, "", "", KindMariaDB, "rsync", ""},
		{"a mysqld that says MariaDB", ImageFacts{Mysqld: "/m", MysqldSaysMariaDB: true, Provider: "/p", HasRsync: true}, "", "", KindMariaDB, "rsync", ""},
		{"Percona: xtrabackup-v2", ImageFacts{Mysqld: "/m", Provider: "/p"}, "percona-xtradb-cluster", "s", KindPXC, "xtrabackup-v2", ""},
		{"ENGINE must match the image", mariadb, "percona-xtradb-cluster", "s", "", "", "spec.database.image"},
		{"no server", ImageFacts{}, "", "", "", "", "no mariadbd or mysqld"},
		{"no provider", ImageFacts{Mariadbd: "/m", HasRsync: true}, "", "", "", "", "libgalera_smm.so"},
		{"no SST tool", ImageFacts{Mariadbd: "/m", Provider: "/p"}, "", "s", "", "", "no SST tool"},
	}
	for _, c := range cases {
		e, err := ChooseEngine(c.f, c.want, c.sstPW)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%s: error %v, want ~%q", c.name, err, c.wantErr)
			}
			continue
		}
		if err != nil || e.Kind != c.wantKind || e.SST != c.wantSST {
			t.Errorf("%s: got %+v %v", c.name, e, err)
		}
	}
}

func TestRenderMyCnf(t *testing.T) {
	base := MyCnf{DataDir: "/var/lib/mysql", Socket: "/run/mysqld/mysqld.sock", PidFile: "/tmp/p", Provider: "/usr/lib/galera/libgalera_smm.so",
		ClusterAddress: "gcomm://a,b", ClusterName: "ms", Node: "ms-db-0", NodeAddress: "10.0.0.1", SST: "mariabackup",
		Kind: KindMariaDB, SSTAuth: "sst:pw", ConfDir: "/etc/messagestack/conf.d"}
	got := RenderMyCnf(base)
	for _, want := range []string{"[mysqld]\ndatadir=/var/lib/mysql\n", "wsrep_on=ON\n", "wsrep_cluster_address=gcomm://a,b\n",
		"wsrep_node_address=10.0.0.1\n", "wsrep_sst_method=mariabackup\nwsrep_sst_auth=sst:pw\n", "innodb_autoinc_lock_mode=2\n",
		"[client]\nsocket=/run/mysqld/mysqld.sock\n!includedir /etc/messagestack/conf.d\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, "root:") || strings.Contains(got, "pxc_strict_mode") {
		t.Errorf("no root in wsrep_sst_auth, no PXC settings for MariaDB:\n%s", got)
	}
	rsync := base
	rsync.SST, rsync.NodeAddress, rsync.ConfDir = "rsync", "", ""
	got = RenderMyCnf(rsync)
	if strings.Contains(got, "wsrep_sst_auth") || strings.Contains(got, "wsrep_node_address") || strings.Contains(got, "!includedir") {
		t.Errorf("rsync, no address, no conf.d:\n%s", got)
	}
	if strings.Contains(got, "gtid_domain_id") {
		t.Errorf("PITR off: no gtid_domain_id:\n%s", got)
	}
	pitr := base
	pitr.LocalGTIDDomain = pitrLocalDomain(&StartConfig{Ordinal: 2, BinlogPass: "p"}, KindMariaDB)
	if got = RenderMyCnf(pitr); !strings.Contains(got, "gtid_domain_id=102\n") {
		t.Errorf("PITR on, node 2: gtid_domain_id=102:\n%s", got)
	}
	if pitrLocalDomain(&StartConfig{Ordinal: 2}, KindMariaDB) != 0 || pitrLocalDomain(&StartConfig{Ordinal: 2, BinlogPass: "p"}, KindPXC) != 0 {
		t.Error("PITR off or Percona: no local domain")
	}
	pxc := base
	pxc.Kind, pxc.SST = KindPXC, "xtrabackup-v2"
	if got = RenderMyCnf(pxc); !strings.Contains(got, "pxc_strict_mode=ENFORCING\npxc-encrypt-cluster-traffic=OFF\n") || strings.Contains(got, "wsrep_sst_auth") {
		t.Errorf("PXC:\n%s", got)
	}
}

func TestLogfmtLine(t *testing.T) {
	ts := mustTime("2026-12-06T10:00:00Z")
	got := LogfmtLine(ts, "info", "ms-db-0", 7500*1e6, `decision: join`, "decision", "join", "reason", "a \"quoted\"\nvalue")
	want := `ts=2026-12-06T10:00:00Z level=info component=galera-start node=ms-db-0 elapsed=7s msg="decision: join" decision="join" reason="a _quoted_ value"`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func mustTime(s string) (t time.Time) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestRetryableUserError(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"wsrep not ready (1047), wrapped as applyUsers does", fmt.Errorf("CREATE USER x: %w", &mysql.MySQLError{Number: 1047, Message: "WSREP has not yet prepared node for application use"}), true},
		{"access denied is not retried", &mysql.MySQLError{Number: 1045, Message: "Access denied"}, false},
		{"a syntax error is not retried", &mysql.MySQLError{Number: 1064}, false},
		{"a connection error is not retried", errors.New("dial unix: connection refused"), false},
	} {
		if got := RetryableUserError(c.err); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}
