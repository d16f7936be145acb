package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// StartLog writes the logfmt lines of `galera-agent start` and `drain` (the same lines the start
// script wrote): ts, level, component, node, elapsed seconds, msg, then key="value" pairs. Tests and
// people grep them (decision="join").
type StartLog struct {
	Out  io.Writer
	Node string
	T0   time.Time
	Now  func() time.Time
	mu   sync.Mutex
}

// LogfmtLine renders one line; a double quote or a line break in a value would end it early, so they
// become _ and a space.
func LogfmtLine(ts time.Time, level, node string, elapsed time.Duration, msg string, kv ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "ts=%s level=%s component=galera-start node=%s elapsed=%ds msg=\"%s\"",
		ts.UTC().Format("2006-01-02T15:04:05Z"), level, node, int(elapsed.Seconds()), clean(msg))
	for i := 0; i+1 < len(kv); i += 2 {
		fmt.Fprintf(&b, " %s=\"%s\"", kv[i], clean(kv[i+1]))
	}
	return b.String()
}

func clean(s string) string {
	return strings.NewReplacer(`"`, "_", "\n", " ", "\r", " ").Replace(s)
}

func (l *StartLog) line(level, msg string, kv ...string) {
	now := l.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintln(l.Out, LogfmtLine(now, level, l.Node, now.Sub(l.T0), msg, kv...))
}

func (l *StartLog) Info(msg string, kv ...string)  { l.line("info", msg, kv...) }
func (l *StartLog) Warn(msg string, kv ...string)  { l.line("warn", msg, kv...) }
func (l *StartLog) Error(msg string, kv ...string) { l.line("error", msg, kv...) }
