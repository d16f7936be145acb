package main

// What the archiver reports about the archive, for the operator (GET /status on STATUS_ADDR, JSON): the Galera
// history and node it follows, the last archived seqno and transaction time, and every break it found in the
// archive (docs/pitr.md, "Gaps"). No credential is in it. The operator keeps a gap in the MessageStack's status
// until a full backup is taken after it (the archiver forgets it when it restarts).

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// maxReportedProblems bounds the status: the oldest problems are dropped first (each was logged when found).
const maxReportedProblems = 20

// ArchiveGaps: every break in one domain's archived segments (sorted as segmentsOf sorts them), from the first
// archived seqno to the last: seqnos in no segment (a gap), or two segments sharing seqnos where neither holds the
// other's (an overlap). Duplicates (a segment inside what is covered) are no break. Pure.
func ArchiveGaps(segs []ArchivedSegment) []ArchiveProblem {
	var out []ArchiveProblem
	if len(segs) == 0 {
		return nil
	}
	through, lastTime := segs[0].Last, segs[0].LastTime
	for _, s := range segs[1:] {
		switch {
		case s.Last <= through:
			continue
		case s.First > through+1:
			out = append(out, ArchiveProblem{Kind: ProblemGap, From: through + 1, To: s.First - 1, After: lastTime})
		case s.First <= through:
			out = append(out, ArchiveProblem{Kind: ProblemOverlap, From: s.First, To: through, After: lastTime})
		}
		through = s.Last
		lastTime = max(lastTime, s.LastTime)
	}
	return out
}

// StatusProblem is an ArchiveProblem as the status shows it, with when the archiver found it.
type StatusProblem struct {
	Kind       string `json:"kind"`
	From       uint64 `json:"from"`
	To         uint64 `json:"to"`
	AfterTime  int64  `json:"afterTime"`  // the last archived transaction time before it (Unix seconds; 0: none)
	DetectedAt int64  `json:"detectedAt"` // Unix seconds
}

// ArchiverStatus is the body of GET /status.
type ArchiverStatus struct {
	Running    bool   `json:"running"` // following a server now
	Host       string `json:"host"`
	GaleraUUID string `json:"galeraUUID,omitempty"`
	Domain     uint32 `json:"domain"`
	LastSeqno  uint64 `json:"lastSeqno"`
	// LastTime: the newest archived transaction's time (Unix seconds, the binary log's whole seconds; 0: none).
	LastTime int64 `json:"lastTime"`
	// LastUploadAt: when the last segment was stored (Unix milliseconds; 0: none since this archiver started).
	LastUploadAt int64           `json:"lastUploadAt"`
	Problems     []StatusProblem `json:"problems"`
	// Error: the last failure (archiving is retried each interval; cleared by the next successful upload).
	Error string `json:"error,omitempty"`
}

// archiveStatus is the shared, locked status; a nil *archiveStatus records nothing (tests, binlog-plan).
type archiveStatus struct {
	mu  sync.Mutex
	st  ArchiverStatus
	now func() time.Time
}

func newArchiveStatus(host string) *archiveStatus {
	return &archiveStatus{st: ArchiverStatus{Host: host, Problems: []StatusProblem{}}, now: time.Now}
}

func (s *archiveStatus) update(f func(*ArchiverStatus)) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.st)
}

// problem records a break (the caller logs it).
func (s *archiveStatus) problem(p ArchiveProblem) {
	s.update(func(st *ArchiverStatus) {
		st.Problems = append(st.Problems, StatusProblem{Kind: p.Kind, From: p.From, To: p.To, AfterTime: p.After,
			DetectedAt: s.now().Unix()})
		if n := len(st.Problems); n > maxReportedProblems {
			st.Problems = append([]StatusProblem{}, st.Problems[n-maxReportedProblems:]...)
		}
	})
}

func (s *archiveStatus) snapshot() ArchiverStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.st
	out.Problems = append([]StatusProblem{}, s.st.Problems...)
	return out
}

func (s *archiveStatus) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/status", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(s.snapshot())
	})
	return mux
}

// serveArchiveStatus serves GET /status on addr until ctx ends ("" serves nothing).
func serveArchiveStatus(ctx context.Context, log *slog.Logger, addr string, s *archiveStatus) error {
	if addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: s.handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("status server stopped", "error", err.Error())
		}
	}()
	return nil
}
