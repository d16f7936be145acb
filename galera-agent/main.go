// galera-agent is the data plane of a MessageStack database pod, one binary with seven commands:
//
//	serve (the default): the agent container. It answers HAProxy's health check (GET /health),
//	  liveness (GET /live), the operator's questions about the node's position (GET /state) and its
//	  full-crash recovery decision (POST /bootstrap).
//	start: the database container's entry point (start.go): bootstrap, join or wait, then run the server.
//	drain: the database container's preStop hook (start.go).
//	install <path>: the init container copies the binary into the pod, for the database container.
//	backup: one physical backup to S3 or a volume, in a Job next to a database pod (backup.go).
//	backup-delete: removes one complete backup (retention; backup.go), then the archived binary log segments no
//	             kept backup can use (KEPT_BACKUPS; binlog_retention.go).
//	restore: fills ordinal 0's empty datadir from one backup, in an init container of a new stack (restore.go).
//	binlog-archive: follows the server's binary log and archives it in segments (binlog_archive.go, docs/pitr.md).
//	binlog-plan: the base backup and archived segments for a restore to a time, or why not (binlog_plan.go).
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func main() {
	cmd := "serve"
	if len(os.Args) > 1 {
		cmd = os.Args[1]
	}
	switch cmd {
	case "start":
		runStart()
		return
	case "drain":
		runDrain()
		return
	case "backup":
		runBackupCommand()
		return
	case "backup-delete":
		runBackupDeleteCommand()
		return
	case "restore":
		runRestoreCommand()
		return
	case "binlog-archive":
		runBinlogArchiveCommand()
		return
	case "binlog-plan":
		runBinlogPlanCommand()
		return
	case "install":
		if len(os.Args) != 3 {
			fmt.Fprintln(os.Stderr, errUsage)
			os.Exit(2)
		}
		if err := runInstall(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "install:", err)
			os.Exit(1)
		}
		fmt.Println("installed galera-agent at", os.Args[2])
		return
	case "serve":
	default:
		fmt.Fprintln(os.Stderr, errUsage)
		os.Exit(2)
	}
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil)).With("component", "galera-agent")
	if err := run(log); err != nil {
		log.Error("agent stopped", "error", err.Error())
		os.Exit(1)
	}
}

func run(log *slog.Logger) error {
	user := os.Getenv("MONITOR_USER")
	password := os.Getenv("MONITOR_PASSWORD")
	if user == "" {
		return errors.New("MONITOR_USER is not set (the monitor user's name, from the db-credentials Secret)")
	}
	// AGENT_LISTEN (host:port) wins over AGENT_PORT; DATA_DIR and DATADIR are both accepted.
	listen := env("AGENT_LISTEN", ":"+env("AGENT_PORT", "9200"))
	dataDir := env("DATA_DIR", env("DATADIR", "/var/lib/mysql"))
	socket := os.Getenv("MYSQL_SOCKET")
	// MYSQL_MONITOR_PORT: where the agent's own logins go (MariaDB's extra_port, which application connections
	// cannot fill: the operator renders it); MYSQL_PORT stays the application's port, reported in /state.
	addr := net.JoinHostPort(env("MYSQL_HOST", "127.0.0.1"), env("MYSQL_MONITOR_PORT", env("MYSQL_PORT", "3306")))
	grace, err := strconv.Atoi(env("NON_PRIMARY_GRACE_SECONDS", "60"))
	if err != nil || grace < 0 {
		return errors.New("NON_PRIMARY_GRACE_SECONDS must be a whole number of seconds >= 0")
	}
	disconnectedGrace, err := strconv.Atoi(env("DISCONNECTED_GRACE_SECONDS", "15"))
	if err != nil || disconnectedGrace < 0 {
		return errors.New("DISCONNECTED_GRACE_SECONDS must be a whole number of seconds >= 0")
	}
	if socket != "" {
		if _, err := os.Stat(socket); err != nil {
			log.Warn("MYSQL_SOCKET does not exist yet; will keep trying", "socket", socket)
		}
	}
	src, err := NewMySQLSource(user, password, socket, addr)
	if err != nil {
		return err
	}
	sqlPort, err := strconv.Atoi(env("MYSQL_PORT", "3306"))
	if err != nil || sqlPort < 1 || sqlPort > 65535 {
		return errors.New("MYSQL_PORT must be a TCP port (1-65535)")
	}
	agent := &Agent{
		Source:            src,
		Metrics:           src,
		DataDir:           dataDir,
		SQLPort:           sqlPort,
		Node:              env("POD_NAME", hostname()),
		NonPrimaryGrace:   time.Duration(grace) * time.Second,
		DisconnectedGrace: time.Duration(disconnectedGrace) * time.Second,
		Log:               log,
		Now:               time.Now,
		TokenFile:         env("AGENT_TOKEN_FILE", "/etc/messagestack/agent-token/token"),
	}
	// Peers asked before a bootstrap: PEER_AGENTS (host:port list) or the headless Service's addresses.
	if list := os.Getenv("PEER_AGENTS"); list != "" {
		agent.Peers = StaticPeers(list)
	} else if host := os.Getenv("PEER_SERVICE_HOST"); host != "" {
		agent.Peers = DNSPeers(host, env("AGENT_PORT", "9200"))
	} else {
		log.Warn("no PEER_AGENTS or PEER_SERVICE_HOST: POST /bootstrap will not ask the peers first")
	}
	// A claim left by an agent that stopped between its claim and its answer would block every peer.
	if err := os.Remove(filepath.Join(dataDir, ClaimFileName)); err == nil {
		log.Warn("removed a stale bootstrap claim", "file", ClaimFileName)
	}
	if _, err := os.Stat(agent.TokenFile); err != nil {
		log.Warn("token file missing: POST /bootstrap will be refused until it exists", "AGENT_TOKEN_FILE", agent.TokenFile)
	}
	srv := &http.Server{
		Addr:              listen,
		Handler:           agent.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		WriteTimeout:      10 * time.Second,
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()
	target := addr
	if socket != "" {
		target = "unix:" + socket
	}
	log.Info("listening", "listen", listen, "datadir", dataDir, "mysql", target, "user", user,
		"nonPrimaryGraceSeconds", grace)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

func hostname() string {
	h, _ := os.Hostname()
	return h
}
