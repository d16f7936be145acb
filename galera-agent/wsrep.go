package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// WsrepStatus is the part of SHOW GLOBAL STATUS that says whether this node may take writes.
type WsrepStatus struct {
	Ready             string // wsrep_ready: ON/OFF
	ClusterStatus     string // wsrep_cluster_status: Primary/non-Primary/Disconnected
	LocalState        int    // wsrep_local_state: 1 joining, 2 donor, 3 joined, 4 synced
	LocalStateComment string
	ClusterSize       int
	ClusterStateUUID  string
	LastCommitted     int64
}

// StatusSource answers the server's wsrep status. Running reports whether a server answered at
// all (an authentication error still means a server is there).
type StatusSource interface {
	Status(ctx context.Context) (st *WsrepStatus, running bool, err error)
}

// FromStatusRows builds a WsrepStatus from SHOW STATUS name/value pairs.
func FromStatusRows(rows map[string]string) (*WsrepStatus, error) {
	if _, ok := rows["wsrep_ready"]; !ok {
		return nil, errors.New("wsrep status not available (server runs without Galera?)")
	}
	st := &WsrepStatus{
		Ready:             rows["wsrep_ready"],
		ClusterStatus:     rows["wsrep_cluster_status"],
		LocalStateComment: rows["wsrep_local_state_comment"],
		ClusterStateUUID:  rows["wsrep_cluster_state_uuid"],
	}
	st.LocalState, _ = strconv.Atoi(rows["wsrep_local_state"])
	st.ClusterSize, _ = strconv.Atoi(rows["wsrep_cluster_size"])
	st.LastCommitted, _ = strconv.ParseInt(rows["wsrep_last_committed"], 10, 64)
	return st, nil
}

// Healthy decides whether HAProxy may send traffic to this node; the reason says why not.
func (s *WsrepStatus) Healthy() (bool, string) {
	switch {
	case !strings.EqualFold(s.Ready, "ON"):
		return false, fmt.Sprintf("wsrep_ready=%s", s.Ready)
	case s.ClusterStatus != "Primary":
		return false, fmt.Sprintf("wsrep_cluster_status=%s (not in the Primary component)", s.ClusterStatus)
	case s.LocalState != 4:
		return false, fmt.Sprintf("wsrep_local_state=%d (%s), not Synced", s.LocalState, s.LocalStateComment)
	}
	return true, "synced"
}

// MySQLSource queries a local server with the monitor user.
type MySQLSource struct {
	db *sql.DB
}

// NewMySQLSource connects over a Unix socket when one is given, else over TCP.
func NewMySQLSource(user, password, socket, addr string) (*MySQLSource, error) {
	cfg := mysql.NewConfig()
	cfg.User = user
	cfg.Passwd = password
	if socket != "" {
		cfg.Net, cfg.Addr = "unix", socket
	} else {
		cfg.Net, cfg.Addr = "tcp", addr
	}
	cfg.Timeout = 2 * time.Second
	cfg.ReadTimeout = 3 * time.Second
	cfg.WriteTimeout = 3 * time.Second
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(connector)
	// A health check must not pile up connections on a struggling server.
	db.SetMaxOpenConns(2)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(time.Minute)
	return &MySQLSource{db: db}, nil
}

const statusQuery = `SHOW GLOBAL STATUS WHERE Variable_name IN (
 'wsrep_ready','wsrep_cluster_status','wsrep_local_state','wsrep_local_state_comment',
 'wsrep_cluster_size','wsrep_cluster_state_uuid','wsrep_last_committed')`

func (m *MySQLSource) Status(ctx context.Context) (*WsrepStatus, bool, error) {
	values, err := m.query(ctx, statusQuery)
	if err != nil {
		return nil, serverAnswered(err), err
	}
	st, err := FromStatusRows(values)
	return st, true, err
}

// StatusRows answers the status variables that /metrics exposes (metrics.go).
func (m *MySQLSource) StatusRows(ctx context.Context) (map[string]string, error) {
	return m.query(ctx, metricsQuery)
}

// query runs a SHOW STATUS query and returns its rows with lower-case names.
func (m *MySQLSource) query(ctx context.Context, query string) (map[string]string, error) {
	rows, err := m.db.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	values := map[string]string{}
	for rows.Next() {
		var name, value string
		if err := rows.Scan(&name, &value); err != nil {
			return nil, err
		}
		values[strings.ToLower(name)] = value
	}
	return values, rows.Err()
}

// serverAnswered tells a server that refused us (it runs) from one that is not there.
func serverAnswered(err error) bool {
	var myErr *mysql.MySQLError
	return errors.As(err, &myErr)
}
