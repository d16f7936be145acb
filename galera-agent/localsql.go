package main

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/go-sql-driver/mysql"
)

// LocalRoot runs SQL as root over this node's Unix socket: with the root password, else with an
// empty one (a datadir just initialised has a password-less root until the users are set up).
type LocalRoot struct {
	Socket   string
	Password string
}

func (l LocalRoot) open(password string) *sql.DB {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr = "root", password, "unix", l.Socket
	cfg.Timeout, cfg.ReadTimeout, cfg.WriteTimeout = 3*time.Second, 10*time.Second, 10*time.Second
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		panic(err) // only for a malformed config, which this code does not build
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(1)
	return db
}

// Do runs fn on a connection that logged in (the root password first, then an empty one).
func (l LocalRoot) Do(ctx context.Context, fn func(*sql.Conn) error) error {
	var errs []error
	for _, pw := range []string{l.Password, ""} {
		db := l.open(pw)
		conn, err := db.Conn(ctx)
		if err == nil {
			err = conn.PingContext(ctx)
		}
		if err != nil {
			errs = append(errs, err)
			if conn != nil {
				conn.Close()
			}
			db.Close()
			if pw == "" {
				break
			}
			continue
		}
		err = fn(conn)
		conn.Close()
		db.Close()
		return err
	}
	return errors.Join(errs...)
}

// QueryString returns the first column of the first row ("" when no row).
func (l LocalRoot) QueryString(ctx context.Context, query string) (string, error) {
	var out sql.NullString
	err := l.Do(ctx, func(c *sql.Conn) error {
		err := c.QueryRowContext(ctx, query).Scan(&out)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	return out.String, err
}

// StatusVar: a SHOW GLOBAL STATUS value (MariaDB and MySQL 8 alike), "" when the server does not answer.
func (l LocalRoot) StatusVar(ctx context.Context, variable string) string {
	var name, value string
	err := l.Do(ctx, func(c *sql.Conn) error {
		return c.QueryRowContext(ctx, "SHOW GLOBAL STATUS LIKE "+SQLString(variable)).Scan(&name, &value)
	})
	if err != nil {
		return ""
	}
	return value
}
