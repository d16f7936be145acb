package main

// Where the archiver starts reading the server's binary logs: the file that holds the seqno after the archive's
// last one, found from the Gtid_list event at the head of each file (the GTID state before the file's first
// transaction). When the server no longer has that seqno, the archive has a gap: reported, never hidden.

import (
	"fmt"
	"strconv"
	"strings"
)

// serverBinlog is one of the server's binary log files and the last seqno of the cluster's domain before it.
type serverBinlog struct {
	Name    string
	ListSeq uint64
}

// parseGtidList reads the domain's seqno from a Gtid_list event as SHOW BINLOG EVENTS prints it: "[0-1-5,1-1-42]".
func parseGtidList(info string, domain uint32) (uint64, error) {
	s := strings.TrimSpace(info)
	if !strings.HasPrefix(s, "[") || !strings.HasSuffix(s, "]") {
		return 0, fmt.Errorf("Gtid_list %q is not [d-s-n,...]", info)
	}
	s = strings.TrimSpace(s[1 : len(s)-1])
	if s == "" {
		return 0, nil
	}
	for _, g := range strings.Split(s, ",") {
		parts := strings.Split(strings.TrimSpace(g), "-")
		if len(parts) != 3 {
			return 0, fmt.Errorf("GTID %q in %q is not domain-server-seqno", g, info)
		}
		d, err1 := strconv.ParseUint(parts[0], 10, 32)
		n, err2 := strconv.ParseUint(parts[2], 10, 64)
		if _, err3 := strconv.ParseUint(parts[1], 10, 32); err1 != nil || err2 != nil || err3 != nil {
			return 0, fmt.Errorf("GTID %q in %q is not domain-server-seqno", g, info)
		}
		if uint32(d) == domain {
			return n, nil
		}
	}
	return 0, nil
}

// startFile: the newest file that begins at or before seqno after+1, and the gap when even the oldest file begins
// later (its transactions from after+1 on were purged before they were archived). An empty archive (after 0)
// starts at the oldest file, with no gap: the archive begins there.
func startFile(files []serverBinlog, after uint64) (string, *ArchiveProblem) {
	if len(files) == 0 {
		return "", nil
	}
	if after == 0 {
		return files[0].Name, nil
	}
	chosen := ""
	for _, f := range files {
		if f.ListSeq <= after {
			chosen = f.Name
		}
	}
	if chosen != "" {
		return chosen, nil
	}
	return files[0].Name, &ArchiveProblem{Kind: ProblemGap, From: after + 1, To: files[0].ListSeq}
}
