package main

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// StartConfig is the environment of `galera-agent start` and `drain` (set by the operator; the loopback
// test overrides the paths and the peer lists). docs/dataplane.md lists every variable.
type StartConfig struct {
	Node          string // POD_NAME, else the hostname
	Ordinal       int
	Peers         []string // gcomm host[:port], by ordinal
	Agents        []string // peer agents host:port, by ordinal, this node excluded
	ClusterName   string
	NodeAddress   string
	DataDir       string
	ConfDir       string
	RunDir        string
	AgentPort     string
	SingleNode    bool // REPLICAS=1 and no GALERA_PEERS: no peer can hold newer data
	Engine        string
	RootPassword  string
	MonitorUser   string
	MonitorPass   string
	SSTUser       string
	SSTPassword   string
	BackupUser    string // BACKUP_USER: the physical backup's login (galera-agent backup), MariaDB only
	BackupPass    string // BACKUP_PASSWORD; empty: no backup user
	BinlogUser    string // BINLOG_USER: the binary log archiver's login (galera-agent binlog-archive), MariaDB only
	BinlogPass    string // BINLOG_PASSWORD; empty: no binlog user (point-in-time recovery is off)
	AppDatabase   string
	AppUser       string
	AppPassword   string
	Poll          time.Duration // RECOVERY_POLL_SECONDS
	ServerTimeout time.Duration // SERVER_START_TIMEOUT
	DrainTimeout  time.Duration // DRAIN_TIMEOUT_SECONDS
	Stuck         time.Duration // STUCK_SECONDS
	StopTimeout   time.Duration // STOP_TIMEOUT_SECONDS
	RejoinLimit   int           // REJOIN_LIMIT
	RejoinAttempt int           // MESSAGESTACK_REJOIN_ATTEMPT (set when the start begins afresh)
}

// Env is the process environment as a lookup (a map in tests).
type Env func(string) string

func (e Env) or(name, def string) string {
	if v := e(name); v != "" {
		return v
	}
	return def
}

func (e Env) seconds(name string, def int) (time.Duration, error) {
	n, err := e.int(name, def)
	return time.Duration(n) * time.Second, err
}

func (e Env) int(name string, def int) (int, error) {
	v := e(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s=%q is not a whole number >= 0", name, v)
	}
	return n, nil
}

var ordinalRE = regexp.MustCompile(`-([0-9]+)$`)

// LoadStartConfig reads the environment. hostname and resolveSelf are the container's own name and
// address (what `getent hosts $(hostname)` says); they are only asked when needed.
func LoadStartConfig(env Env, hostname string, resolveSelf func() string) (StartConfig, error) {
	c := StartConfig{
		Node:         env.or("POD_NAME", hostname),
		ClusterName:  env.or("CLUSTER_NAME", "messagestack"),
		DataDir:      env.or("DATADIR", "/var/lib/mysql"),
		ConfDir:      env.or("CONF_DIR", "/etc/messagestack/conf.d"),
		RunDir:       env.or("RUN_DIR", "/tmp/messagestack-galera"),
		AgentPort:    env.or("AGENT_PORT", "9200"),
		Engine:       env("ENGINE"),
		RootPassword: env("MYSQL_ROOT_PASSWORD"),
		MonitorUser:  env("MONITOR_USER"),
		MonitorPass:  env("MONITOR_PASSWORD"),
		SSTUser:      env.or("SST_USER", "sst"),
		SSTPassword:  env("SST_PASSWORD"),
		BackupUser:   env.or("BACKUP_USER", "backup"),
		BackupPass:   env("BACKUP_PASSWORD"),
		BinlogUser:   env.or("BINLOG_USER", "binlog"),
		BinlogPass:   env("BINLOG_PASSWORD"),
		AppDatabase:  env("APP_DATABASE"),
		AppUser:      env("APP_USER"),
		AppPassword:  env("APP_PASSWORD"),
	}
	var err error
	for _, d := range []struct {
		p    *time.Duration
		name string
		def  int
	}{
		{&c.Poll, "RECOVERY_POLL_SECONDS", 2}, {&c.ServerTimeout, "SERVER_START_TIMEOUT", 600},
		{&c.DrainTimeout, "DRAIN_TIMEOUT_SECONDS", 15}, {&c.Stuck, "STUCK_SECONDS", 20},
		{&c.StopTimeout, "STOP_TIMEOUT_SECONDS", 15},
	} {
		if *d.p, err = env.seconds(d.name, d.def); err != nil {
			return c, err
		}
	}
	if c.RejoinLimit, err = env.int("REJOIN_LIMIT", 3); err != nil {
		return c, err
	}
	if c.RejoinAttempt, err = env.int("MESSAGESTACK_REJOIN_ATTEMPT", 0); err != nil {
		return c, err
	}
	if v := env("ORDINAL"); v != "" {
		if c.Ordinal, err = strconv.Atoi(v); err != nil {
			return c, fmt.Errorf("ORDINAL=%q is not a number", v)
		}
	} else if m := ordinalRE.FindStringSubmatch(c.Node); m != nil {
		c.Ordinal, _ = strconv.Atoi(m[1])
	} else {
		return c, fmt.Errorf("cannot tell this pod's ordinal from POD_NAME=%q (run in a StatefulSet or set ORDINAL)", c.Node)
	}
	if list := env("GALERA_PEERS"); list != "" {
		c.Peers = splitList(list)
	} else {
		service := env("PEER_SERVICE")
		if service == "" {
			return c, fmt.Errorf("PEER_SERVICE is not set (the headless Service of the StatefulSet), and no GALERA_PEERS")
		}
		replicas, err := strconv.Atoi(env("REPLICAS"))
		if err != nil || replicas < 1 {
			return c, fmt.Errorf("REPLICAS=%q is missing or not a number >= 1", env("REPLICAS"))
		}
		c.Peers = PeerNames(c.Node, service, env("POD_NAMESPACE"), env.or("CLUSTER_DOMAIN", "cluster.local"), replicas)
		c.SingleNode = replicas == 1
	}
	if list := env("GALERA_PEER_AGENTS"); list != "" {
		c.Agents = splitList(list)
	} else {
		c.Agents = PeerAgents(c.Node, c.Peers, c.AgentPort)
	}
	c.NodeAddress = env("NODE_ADDRESS")
	if c.NodeAddress == "" {
		c.NodeAddress = env("POD_IP")
	}
	if c.NodeAddress == "" && resolveSelf != nil {
		c.NodeAddress = resolveSelf()
	}
	return c, nil
}

func splitList(list string) []string {
	var out []string
	for _, p := range strings.Split(list, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// PeerNames: <sts>-<i>.<service>[.<namespace>.svc.<domain>] for i < replicas; fully qualified when the
// namespace is known, so that resolv.conf search lists do not matter.
func PeerNames(node, service, namespace, domain string, replicas int) []string {
	sts := node
	if i := strings.LastIndex(node, "-"); i >= 0 {
		sts = node[:i]
	}
	suffix := service
	if namespace != "" {
		suffix = service + "." + namespace + ".svc." + domain
	}
	out := make([]string, 0, replicas)
	for i := 0; i < replicas; i++ {
		out = append(out, fmt.Sprintf("%s-%d.%s", sts, i, suffix))
	}
	return out
}

// PeerAgents: the agents of the peers (same names, the agent port), without this node's own: it
// knows nothing a peer needs.
func PeerAgents(node string, peers []string, port string) []string {
	var out []string
	for _, p := range peers {
		host, _, _ := strings.Cut(p, ":")
		if first, _, _ := strings.Cut(host, "."); first == node {
			continue
		}
		out = append(out, host+":"+port)
	}
	return out
}

// ClusterAddress: gcomm:// and the peers.
func ClusterAddress(peers []string) string { return "gcomm://" + strings.Join(peers, ",") }

var plainNameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
var plainDatabaseRE = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)

// CheckSecrets: names and passwords go into SQL; refuse anything that would need quoting as an
// identifier, and missing passwords (each error names the Secret key to mount).
func (c StartConfig) CheckSecrets() error {
	if !plainNameRE.MatchString(c.MonitorUser) {
		return fmt.Errorf("MONITOR_USER=%q is missing or not a plain name (letters, digits, _ . - only)", c.MonitorUser)
	}
	if c.MonitorPass == "" {
		return fmt.Errorf("MONITOR_PASSWORD is not set (mount the db-credentials Secret key monitor)")
	}
	if c.RootPassword == "" {
		return fmt.Errorf("MYSQL_ROOT_PASSWORD is not set (mount the db-credentials Secret key root)")
	}
	if c.SSTPassword != "" && !plainNameRE.MatchString(c.SSTUser) {
		return fmt.Errorf("SST_USER=%q is not a plain name (letters, digits, _ . - only)", c.SSTUser)
	}
	if c.BackupPass != "" && !plainNameRE.MatchString(c.BackupUser) {
		return fmt.Errorf("BACKUP_USER=%q is not a plain name (letters, digits, _ . - only)", c.BackupUser)
	}
	if c.BinlogPass != "" && !plainNameRE.MatchString(c.BinlogUser) {
		return fmt.Errorf("BINLOG_USER=%q is not a plain name (letters, digits, _ . - only)", c.BinlogUser)
	}
	if c.AppDatabase != "" {
		if !plainDatabaseRE.MatchString(c.AppDatabase) {
			return fmt.Errorf("APP_DATABASE=%q is not a plain database name", c.AppDatabase)
		}
		if !plainNameRE.MatchString(c.AppUser) {
			return fmt.Errorf("APP_USER=%q is missing or not a plain name (letters, digits, _ . - only)", c.AppUser)
		}
		if c.AppPassword == "" {
			return fmt.Errorf("APP_PASSWORD is not set (mount the db-credentials Secret key app)")
		}
	}
	return nil
}

func osEnv(name string) string { return os.Getenv(name) }
