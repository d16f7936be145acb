package main

// The cluster's GTID replication domain as this node's binary log last recorded it (docs/pitr.md, "One GTID
// domain"). A node that bootstraps the cluster after a full crash keeps that domain, so the archive's seqnos
// go on in one domain: without it the bootstrap node would start in the configured wsrep_gtid_domain_id
// while a cluster that turned PITR on while running had stayed in its donors' domain (0), and a restore to a
// time after the crash could not follow the archive across the change (measured on kind, 2026-12-07).

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// isLocalGTIDDomain: a node's own, not replicated transactions (localGTIDDomain: 100 + ordinal).
func isLocalGTIDDomain(domain uint32) bool { return domain >= uint32(localGTIDDomain(0)) }

// lastClusterDomain reads one binary log file and returns the domain of its last GTID event that is not a
// node's local domain. Only event headers are read, other bodies skipped. A file that ends inside an event (the
// server crashed while writing it) is read up to there.
func lastClusterDomain(r io.ReadSeeker) (domain uint32, found bool, err error) {
	magic := make([]byte, len(binlogMagic))
	if _, err := io.ReadFull(r, magic); err != nil {
		return 0, false, nil // empty or cut before its magic number: nothing recorded
	}
	if string(magic) != string(binlogMagic) {
		return 0, false, errors.New("does not start with the binary log magic number")
	}
	header := make([]byte, eventHeaderLen)
	for offset := int64(len(binlogMagic)); ; {
		if _, err := io.ReadFull(r, header); err != nil {
			return domain, found, nil
		}
		size := int64(binary.LittleEndian.Uint32(header[9:13]))
		if size < eventHeaderLen {
			return domain, found, fmt.Errorf("event at offset %d has size %d (< %d): corrupt", offset, size, eventHeaderLen)
		}
		body := size - eventHeaderLen
		if header[4] == eventMariaGTID && body >= 12 {
			b := make([]byte, 12)
			if _, err := io.ReadFull(r, b); err != nil {
				return domain, found, nil
			}
			if d := binary.LittleEndian.Uint32(b[8:12]); !isLocalGTIDDomain(d) {
				domain, found = d, true
			}
			body -= 12
		}
		if _, err := r.Seek(body, io.SeekCurrent); err != nil {
			return domain, found, err
		}
		offset += size
	}
}

// binlogFilesOf reads a binary log index (one file per line, as the server writes it: "./mysql-bin.000001"),
// each name resolved against dir.
func binlogFilesOf(index io.Reader, dir string) []string {
	var files []string
	sc := bufio.NewScanner(index)
	for sc.Scan() {
		name := strings.TrimSpace(sc.Text())
		if name == "" {
			continue
		}
		if !filepath.IsAbs(name) {
			name = filepath.Join(dir, name)
		}
		files = append(files, name)
	}
	return files
}

// clusterDomainOfBinlogs: the cluster's domain from the newest file of the index base.index (under dir) that
// records one; found is false when no file does (no binary log, or only local transactions).
func clusterDomainOfBinlogs(dir, base string) (domain uint32, file string, found bool, err error) {
	if !filepath.IsAbs(base) {
		base = filepath.Join(dir, base)
	}
	index, err := os.Open(base + ".index")
	if errors.Is(err, os.ErrNotExist) {
		return 0, "", false, nil
	}
	if err != nil {
		return 0, "", false, err
	}
	files := binlogFilesOf(index, dir)
	index.Close()
	for i := len(files) - 1; i >= 0; i-- {
		f, err := os.Open(files[i])
		if errors.Is(err, os.ErrNotExist) {
			continue // purged
		}
		if err != nil {
			return 0, "", false, err
		}
		domain, found, err := lastClusterDomain(f)
		f.Close()
		if err != nil {
			return 0, "", false, fmt.Errorf("%s: %w", files[i], err)
		}
		if found {
			return domain, files[i], true, nil
		}
	}
	return 0, "", false, nil
}

// KeepDomainArgs: the server option that keeps the cluster's domain at a bootstrap (the command line overrides
// the operator's conf.d, which sets the domain of a new cluster).
func KeepDomainArgs(domain uint32, found bool) []string {
	if !found {
		return nil
	}
	return []string{fmt.Sprintf("--wsrep-gtid-domain-id=%d", domain)}
}
