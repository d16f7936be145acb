package main

import (
	"context"
	"database/sql"
	"net"
	"strconv"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Where the application's sessions are is where HAProxy writes now: it sends them all to its writer and
// none to a backup. The drain waits for them to leave; a joiner's donor choice keeps off the node that
// holds them (ChooseDonor). One query for both.

// AppSessionsQuery counts the sessions of the application's database user, the asking connection excluded.
// As root (the drain) it sees every thread; as the application's user it needs no privilege beyond the
// login: without PROCESS a user sees the threads of its own user name, which are exactly the ones counted.
func AppSessionsQuery(appUser string) string {
	return "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = " + SQLString(appUser) +
		" AND ID <> CONNECTION_ID()"
}

// countAppSessions logs in to a peer's server as the application's user (the NetworkPolicy admits SQL
// between database pods) and counts that user's sessions there.
func countAppSessions(ctx context.Context, host string, port int, user, password string) (int, error) {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr = user, password, "tcp", net.JoinHostPort(host, strconv.Itoa(port))
	cfg.Timeout, cfg.ReadTimeout, cfg.WriteTimeout = 2*time.Second, 3*time.Second, 3*time.Second
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return SessionsUnknown, err
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	db.SetMaxOpenConns(1)
	var n int
	if err := db.QueryRowContext(ctx, AppSessionsQuery(user)).Scan(&n); err != nil {
		return SessionsUnknown, err
	}
	return n, nil
}

// peerAppSessions: the application's sessions on each Synced Primary peer (SessionsUnknown for the others,
// and when the login or the query fails).
func (s *Starter) peerAppSessions(answers []PeerAnswer) []int {
	out := make([]int, len(answers))
	for i, a := range answers {
		out[i] = SessionsUnknown
		if a.State == nil || !a.State.Ready || a.State.ClusterStatus != "Primary" || s.cfg.AppUser == "" {
			continue
		}
		host, _, err := net.SplitHostPort(a.Agent)
		if err != nil {
			continue
		}
		// An agent older than sqlPort: the port this node's server uses (every pod of a stack has the same).
		port := a.State.SQLPort
		if port <= 0 {
			if port, err = strconv.Atoi(effective(s.runPath("my.cnf"), "port", "3306")); err != nil {
				continue
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
		n, err := countAppSessions(ctx, host, port, s.cfg.AppUser, s.cfg.AppPassword)
		cancel()
		if err != nil {
			s.log.Warn("application sessions of a peer not counted; its rank as donor is unknown", "peer", a.State.Node,
				"error", err.Error())
			continue
		}
		out[i] = n
	}
	return out
}
