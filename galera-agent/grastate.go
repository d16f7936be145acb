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

// ReadGraState returns nil (and no error) when the file does not exist or is empty: a new datadir.
// Galera creates an empty grastate.dat when a joiner with an empty datadir starts its first state
// transfer; an SST killed then leaves only that empty file (measured: make test-recovery, case
// aborted-sst-early). It holds no history, exactly like a missing file, and hasData (the start's and
// the agent's) already says so; reporting it as unparsable made the operator wait for a person.
func ReadGraState(path string) (*GraState, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() == 0 {
		return nil, nil
	}
	st, err := ParseGraState(f)
	if err != nil {
		return nil, err
	}
	return &st, nil
}

// ZeroUUID is the cluster uuid Galera writes to grastate.dat when a node starts receiving a full
// state transfer (SST) and keeps until the transfer completes. A datadir with it holds no
// complete history: an aborted SST, or a node that never finished its first join.
const ZeroUUID = "00000000-0000-0000-0000-000000000000"

// Recovery states written by the start script (galera-start.sh) in the recovery file.
const (
	// RecoveryWaiting: the position is known; the node waits for a Primary peer (join) or the
	// bootstrap marker. An empty state (older start scripts) means the same.
	RecoveryWaiting = "waiting"
	// RecoveryRecovering: the position is not known yet (--wsrep-recover failed, e.g. a dying pod
	// still holds the InnoDB lock); the script retries with backoff and Error says why.
	RecoveryRecovering = "recovering"
	// RecoveryNeedsSST: grastate.dat has the zero uuid (a state transfer did not finish): this
	// node's data is no bootstrap source; it waits for a Primary peer and joins it.
	RecoveryNeedsSST = "needs-sst"
)

// Recovery is the start script's record of this node's last committed position, written
// when the node found no Primary peer after a restart. Seqno is null while the position is
// not known: an unknown position is never published as a number.
type Recovery struct {
	UUID            string `json:"uuid"`
	Seqno           *int64 `json:"seqno"`
	SafeToBootstrap bool   `json:"safeToBootstrap"`
	Source          string `json:"source"` // "grastate" or "wsrep-recover"
	State           string `json:"state,omitempty"`
	Error           string `json:"error,omitempty"`
	Attempts        int    `json:"attempts,omitempty"`
	Node            string `json:"node,omitempty"`
	Time            string `json:"time,omitempty"`
}

// Waiting: the start script waits for a decision (a Primary peer to join, or the bootstrap marker).
func (r *Recovery) Waiting() bool {
	return r != nil && (r.State == "" || r.State == RecoveryWaiting)
}

// KnownPosition: a real history (not the zero uuid) and a seqno >= 0 (0 is a valid position).
func (r *Recovery) KnownPosition() bool {
	return r != nil && r.Seqno != nil && *r.Seqno >= 0 && r.UUID != "" && r.UUID != ZeroUUID
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
