package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// The server process of `galera-agent start`: signals, exit, the membership watchdog.

func (s *Starter) handleSignals() {
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		for range ch {
			if s.running.Load() {
				s.log.Info("received a stop signal", "action", "stopping the server")
				s.server.Process.Signal(syscall.SIGTERM)
			} else {
				s.log.Info("received a stop signal", "action", "exiting")
				os.Exit(143)
			}
		}
	}()
}

func (s *Starter) startServer(mode string, extra []string) {
	os.MkdirAll(filepath.Dir(s.socket), 0o755)
	s.log.Info("starting "+filepath.Base(s.eng.Server), "mode", mode, "args", strings.Join(extra, " "))
	args := append([]string{"--defaults-file=" + s.runPath("my.cnf")}, s.asMySQLArgs()...)
	cmd := exec.Command(s.eng.Server, append(args, extra...)...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		s.die("cannot start the server", "error", err.Error())
	}
	s.server, s.serverDone = cmd, make(chan struct{})
	s.running.Store(true)
	go func() {
		cmd.Wait()
		s.running.Store(false)
		close(s.serverDone)
	}()
}

func (s *Starter) serverStatus() int {
	ps := s.server.ProcessState
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok {
		return exitStatus(ws)
	}
	return ps.ExitCode()
}

// waitServer waits for the server to exit and exits with its status (the container ends with it),
// unless the watchdog stopped it: then the start begins afresh in the same process (exec).
func (s *Starter) waitServer() {
	var stuck atomic.Bool
	stop := make(chan struct{})
	go s.watchMembership(stop, &stuck)
	<-s.serverDone
	close(stop)
	rc := s.serverStatus()
	s.log.Info("server exited", "status", strconv.Itoa(rc))
	switch AfterExit(stuck.Load(), s.cfg.RejoinAttempt, s.cfg.RejoinLimit) {
	case StartOver:
		next := s.cfg.RejoinAttempt + 1
		s.log.Info("starting over to join afresh", "attempt", strconv.Itoa(next), "limit", strconv.Itoa(s.cfg.RejoinLimit))
		self, err := os.Executable()
		if err == nil {
			env := append(os.Environ(), "MESSAGESTACK_REJOIN_ATTEMPT="+strconv.Itoa(next))
			err = syscall.Exec(self, os.Args, env)
		}
		s.die("cannot start over", "error", fmt.Sprint(err))
	case GiveUp:
		s.die(fmt.Sprintf("the server failed to stay in the Primary component %d times in a row; exiting so the container restarts with back-off", s.cfg.RejoinLimit))
	}
	os.Exit(rc)
}

// watchMembership: the watchdog of a running server (see Watchdog in decide.go).
func (s *Starter) watchMembership(stop <-chan struct{}, stuck *atomic.Bool) {
	wd := &Watchdog{Stuck: s.cfg.Stuck}
	tick := time.NewTicker(3 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		status := s.root().StatusVar(ctx, "wsrep_cluster_status")
		cancel()
		agent, peerPrimary := "", false
		if status != "" && status != "Primary" {
			agent, _, peerPrimary = s.primaryPeer()
		}
		now := time.Now()
		first, stopNow := wd.Observe(now, status, peerPrimary)
		if first {
			s.log.Info("outside the Primary component while a peer has one", "status", status, "peer", agent)
		}
		if !stopNow {
			continue
		}
		s.log.Warn("stopping the server: it stayed outside the Primary component while peer "+agent+" reports one",
			"status", status, "for", fmt.Sprintf("%ds", int(wd.Outside(now).Seconds())), "action", "stop the server, then join afresh")
		stuck.Store(true)
		s.server.Process.Signal(syscall.SIGTERM)
		// A server that left the group this way can hang in its shutdown ("initialized -> disconnecting",
		// seen on kind): kill it after STOP_TIMEOUT_SECONDS; the next start recovers its position.
		select {
		case <-s.serverDone:
		case <-time.After(s.cfg.StopTimeout):
			s.log.Warn(fmt.Sprintf("the server did not stop within %ds; killing it", int(s.cfg.StopTimeout.Seconds())), "action", "SIGKILL")
			s.server.Process.Kill()
		}
		return
	}
}
