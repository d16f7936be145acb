package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// runDrain writes the drain marker (the agent's /health answers 503, HAProxy moves the writer and cuts
// this node's sessions) and returns when no session of APP_USER is left, or after DRAIN_TIMEOUT_SECONDS.
// It always exits 0: a failed drain must not keep the pod from stopping.
func runDrain() {
	hostname := hostname()
	log := &StartLog{Out: os.Stdout, Node: env("POD_NAME", hostname), T0: time.Now(), Now: time.Now}
	e := Env(osEnv)
	dataDir := e.or("DATADIR", "/var/lib/mysql")
	runDir := e.or("RUN_DIR", "/tmp/messagestack-galera")
	timeout, err := e.seconds("DRAIN_TIMEOUT_SECONDS", 15)
	if err != nil {
		log.Warn(err.Error() + "; using 15 s")
		timeout = 15 * time.Second
	}
	// The running server's socket and datadir, from the config the start wrote for it.
	socket := "/run/mysqld/mysqld.sock"
	if _, err := os.Stat(filepath.Join(runDir, "my.cnf")); err == nil {
		socket = effective(filepath.Join(runDir, "my.cnf"), "socket", socket)
		dataDir = effective(filepath.Join(runDir, "my.cnf"), "datadir", dataDir)
	}
	marker := filepath.Join(dataDir, DrainFileName)
	if err := os.WriteFile(marker, nil, 0o640); err != nil {
		log.Warn("drain: cannot write the drain marker; stopping without a drain", "marker", marker)
		return
	}
	log.Info("draining: the agent reports 503 so HAProxy moves the writes to another node", "marker", marker,
		"timeout", fmt.Sprintf("%ds", int(timeout.Seconds())))
	root := LocalRoot{Socket: socket, Password: e("MYSQL_ROOT_PASSWORD")}
	query := AppSessionsQuery(e("APP_USER"))
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		v, err := root.QueryString(ctx, query)
		cancel()
		n := -1
		if err == nil {
			if m, convErr := strconv.Atoi(v); convErr == nil {
				n = m
			}
		}
		now := time.Now()
		if done, why := DrainStep(n, now, deadline); done {
			if n > 0 {
				log.Warn(why, "sessions", strconv.Itoa(n))
			} else {
				log.Info(why, "waited", fmt.Sprintf("%ds", int(now.Sub(log.T0).Seconds())))
			}
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
}
