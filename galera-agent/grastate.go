package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// GraState is what Galera's grastate.dat says about the last state this node saved.
// Seqno is -1 while the server runs and after a crash; the real position then comes
// from `--wsrep-recover` (which the start script records in the recovery file).
type GraState struct {
	UUID            string `json:"uuid"`
	Seqno           int64  `json:"seqno"`
	SafeToBootstrap bool   `json:"safeToBootstrap"`
}

// ParseGraState reads the key: value lines of grastate.dat. Unknown keys are ignored
// so that newer Galera versions (which add keys) still parse.
func ParseGraState(r io.Reader) (GraState, error) {
	st := GraState{Seqno: -1}
	seen := false
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		switch key {
		case "uuid":
			st.UUID = value
			seen = true
		case "seqno":
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil {
				return st, fmt.Errorf("grastate.dat: seqno %q is not a number", value)
			}
			st.Seqno = n
		case "safe_to_bootstrap":
			st.SafeToBootstrap = value == "1"
		}
	}
	if err := sc.Err(); err != nil {
		return st, err
	}
	if !seen {
		return st, fmt.Errorf("grastate.dat: no uuid line")
	}
	return st, nil
}

// ReadGraState returns nil (and no error) when the file does not exist: a new datadir.
func ReadGraState(path string) (*GraState, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := ParseGraState(f)
	if err != nil {
		return nil, err
	}
	return &st, nil
}

// Recovery is the start script's record of this node's last committed position, written
// when the node found no Primary peer after a restart and is waiting for a decision.
type Recovery struct {
	UUID            string `json:"uuid"`
	Seqno           int64  `json:"seqno"`
	SafeToBootstrap bool   `json:"safeToBootstrap"`
	Source          string `json:"source"` // "grastate" or "wsrep-recover"
	Node            string `json:"node,omitempty"`
	Time            string `json:"time,omitempty"`
}

// ReadRecovery returns nil (and no error) when the file does not exist: not waiting.
func ReadRecovery(path string) (*Recovery, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rec Recovery
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &rec, nil
}
