// fill-connections: a test tool (hack/dataplane/test-connection-limit.sh), not part of the agent. It opens
// connections to a MariaDB server as one user, one after the other, until the server refuses one with
// "Too many connections" (error 1040), holds them open, and prints one line per phase:
//
//	held N            N connections are open and the next one was refused with 1040
//	refused-other E   a connection failed with something else than 1040 (exit 1)
//
// It holds them until its standard input closes (the test closes it), then closes them and exits 0.
// Usage: fill-connections -addr 127.0.0.1:3306 -user U -password P [-max 5000]
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/go-sql-driver/mysql"
)

const errTooManyConnections = 1040

func main() {
	addr := flag.String("addr", "127.0.0.1:3306", "server host:port")
	user := flag.String("user", "", "user to log in as")
	password := flag.String("password", "", "its password")
	limit := flag.Int("max", 5000, "give up after this many connections (a server without a limit)")
	flag.Parse()
	var held []*sql.Conn
	for len(held) < *limit {
		conn, err := open(*addr, *user, *password)
		if err != nil {
			var myErr *mysql.MySQLError
			if errors.As(err, &myErr) && myErr.Number == errTooManyConnections {
				fmt.Printf("held %d\n", len(held))
				break
			}
			fmt.Printf("refused-other %v (after %d)\n", err, len(held))
			os.Exit(1)
		}
		held = append(held, conn)
	}
	if len(held) >= *limit {
		fmt.Printf("refused-other no refusal after %d connections\n", len(held))
		os.Exit(1)
	}
	_, _ = io.Copy(io.Discard, os.Stdin) // hold until the test closes our stdin
	for _, c := range held {
		c.Close()
	}
}

// open logs in on a connection of its own (one sql.DB per connection: nothing pools or reuses them).
func open(addr, user, password string) (*sql.Conn, error) {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr = user, password, "tcp", addr
	cfg.Timeout = 5 * time.Second
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := db.Conn(ctx)
	if err == nil {
		err = conn.PingContext(ctx)
	}
	return conn, err
}
