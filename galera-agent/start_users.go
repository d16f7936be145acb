package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// The users and the app database (users.go has the statements).

func (s *Starter) waitForSQL() {
	deadline := time.Now().Add(s.cfg.ServerTimeout)
	var lastErr error
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		// A query, not a ping: a Galera server answers pings before wsrep is ready, and refuses
		// statements until then ("WSREP has not yet prepared node for application use").
		lastErr = s.root().Do(ctx, func(c *sql.Conn) error {
			var one int
			return c.QueryRowContext(ctx, "SELECT 1").Scan(&one)
		})
		cancel()
		if lastErr == nil {
			return
		}
		if !s.running.Load() {
			s.log.Warn("server exited before it answered")
			s.waitServer()
		}
		if time.Now().After(deadline) {
			s.die(fmt.Sprintf("server did not answer SQL within %ds", int(s.cfg.ServerTimeout.Seconds())), "errors", lastErr.Error())
		}
		time.Sleep(time.Second)
	}
}

// applyUsers runs UserStatements as root in one session (stops at the first error).
func (s *Starter) applyUsers(ctx context.Context) error {
	return s.root().Do(ctx, func(c *sql.Conn) error {
		var drops []string
		rows, err := c.QueryContext(ctx, dropsQuery)
		if err != nil {
			return err
		}
		for rows.Next() {
			var d string
			if err := rows.Scan(&d); err == nil {
				drops = append(drops, d)
			}
		}
		rows.Close()
		for _, stmt := range UserStatements(s.cfg, s.eng.Kind, drops) {
			if _, err := c.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("%s: %w", strings.SplitN(stmt, " IDENTIFIED", 2)[0], err)
			}
		}
		return nil
	})
}

// setupUsers: the users and the app database after a bootstrap (idempotent).
func (s *Starter) setupUsers() {
	s.waitForSQL()
	s.log.Info("creating users and the app database (idempotent)", "monitor", s.cfg.MonitorUser,
		"database", s.cfg.AppDatabase, "app_user", s.cfg.AppUser, "sst_user", s.sstUserShown())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		err := s.applyUsers(ctx)
		if err == nil {
			break
		}
		// The statements are idempotent. A bootstrapped server can answer SELECT 1 and still refuse DDL
		// for a moment (1047, seen in make test-recovery while the first joiners connected); exiting
		// then restarted the node that had just formed the Primary component.
		if ctx.Err() != nil || !RetryableUserError(err) {
			s.die("creating users failed", "errors", err.Error())
		}
		s.log.Warn("creating users: the server is not ready for statements yet, retrying", "errors", err.Error())
		time.Sleep(time.Second)
	}
	os.WriteFile(s.path(InitializedFileName), nil, 0o640)
	s.log.Info("users and app database ready")
}

// RetryableUserError: the server refused the statement only because wsrep is not ready yet
// (ER_UNKNOWN_COM_ERROR 1047, "WSREP has not yet prepared node for application use").
func RetryableUserError(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == 1047
}

func (s *Starter) sstUserShown() string {
	if s.eng.Kind == KindMariaDB && s.cfg.SSTPassword != "" {
		return s.cfg.SSTUser
	}
	return "none"
}

// usersAfterJoin applies the same users once a joined node is Synced: a cluster created before the
// SST user (or with a '%' monitor user) gets them at its next rolling restart, not only at its next
// bootstrap. Best effort: a failure is logged, the node keeps running.
func (s *Starter) usersAfterJoin() {
	if err := s.cfg.CheckSecrets(); err != nil {
		s.log.Warn("users not checked after the join", "reason", err.Error())
		return
	}
	deadline := time.Now().Add(s.cfg.ServerTimeout)
	for s.running.Load() && time.Now().Before(deadline) {
		time.Sleep(3 * time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		synced := s.root().StatusVar(ctx, "wsrep_local_state_comment")
		cancel()
		if synced != "Synced" {
			continue
		}
		ctx, cancel = context.WithTimeout(context.Background(), 60*time.Second)
		err := s.applyUsers(ctx)
		cancel()
		if err != nil {
			s.log.Warn("users not checked after the join", "errors", err.Error())
		} else {
			s.log.Info("users checked after the join (idempotent)", "monitor", s.cfg.MonitorUser, "sst_user", s.sstUserShown())
		}
		return
	}
}
