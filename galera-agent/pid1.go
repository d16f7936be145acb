package main

import (
	"os"
	"os/exec"
	"os/signal"
	"syscall"
)

// When `start` is the container's PID 1 (galera-start.sh execs it), orphaned processes (helpers of an
// SST whose parent died, a --wsrep-recover left behind) are re-parented to it and must be reaped, as
// the bash script did by being PID 1. A reaper that waits for any pid would steal the exit status of
// the server from os/exec, so PID 1 only runs the start as its child: it forwards the stop signals,
// reaps every process that ends, and exits with the start's status.
const initChildEnv = "MESSAGESTACK_START_CHILD"

// runAsInit returns false when this process is not PID 1 (or is the child already): go on in place.
func runAsInit() bool {
	if os.Getpid() != 1 || os.Getenv(initChildEnv) != "" {
		return false
	}
	self, err := os.Executable()
	if err != nil {
		return false
	}
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	child := exec.Command(self, os.Args[1:]...)
	child.Env = append(os.Environ(), initChildEnv+"=1")
	child.Stdin, child.Stdout, child.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := child.Start(); err != nil {
		return false
	}
	pid := child.Process.Pid
	for sig := range signals {
		if sig != syscall.SIGCHLD {
			child.Process.Signal(sig)
			continue
		}
		for {
			var ws syscall.WaitStatus
			reaped, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
			if err != nil || reaped <= 0 {
				break
			}
			if reaped == pid {
				os.Exit(exitStatus(ws))
			}
		}
	}
	return true
}

func exitStatus(ws syscall.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}
