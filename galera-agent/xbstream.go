package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// The backup's consistent position is in small files inside the xbstream that mariadb-backup
// (--galera-info) and xtrabackup write: <tool>_galera_info ("uuid:seqno[ gtid]") and
// <tool>_binlog_info ("file<TAB>pos[<TAB>gtid]"). The stream is read once, as it passes to the
// compressor, so no local copy is needed; reading it also checks that it is a well-formed xbstream.
//
// xbstream chunk (MariaDB extra/mariabackup/xbstream.h, Percona's adds sparse chunks):
//   magic "XBSTCK01" | flags u8 | type u8 ('P' payload, 'S' sparse payload, 'E' end of file)
//   | path length u32le | path | for P: length u64le, offset u64le, crc32 u32le, payload
//   | for S: sparse map size u32le, length u64le, offset u64le, crc32 u32le, map (size*8 bytes), payload

const xbMagic = "XBSTCK01"

// positionFiles are the stream files whose contents are kept (small; capped at maxPositionFile).
var positionFiles = map[string]bool{
	"xtrabackup_galera_info": true, "mariadb_backup_galera_info": true,
	"xtrabackup_binlog_info": true, "mariadb_backup_binlog_info": true,
}

const maxPositionFile = 4096

// XbstreamScan reads a whole xbstream and returns the contents of the position files by base name,
// and how many files (distinct paths) it saw.
func XbstreamScan(r io.Reader) (map[string][]byte, int, error) {
	files := map[string][]byte{}
	seen := map[string]bool{}
	hdr := make([]byte, 14)
	for {
		if _, err := io.ReadFull(r, hdr); err != nil {
			if err == io.EOF {
				return files, len(seen), nil
			}
			return files, len(seen), fmt.Errorf("xbstream: reading a chunk header: %w", err)
		}
		if string(hdr[:8]) != xbMagic {
			return files, len(seen), errors.New("xbstream: bad chunk magic (not an xbstream)")
		}
		typ := hdr[9]
		plen := binary.LittleEndian.Uint32(hdr[10:14])
		if plen == 0 || plen > 4096 {
			return files, len(seen), fmt.Errorf("xbstream: path length %d out of range", plen)
		}
		p := make([]byte, plen)
		if _, err := io.ReadFull(r, p); err != nil {
			return files, len(seen), fmt.Errorf("xbstream: reading a path: %w", err)
		}
		name := string(p)
		seen[name] = true
		var sparse uint32
		switch typ {
		case 'E':
			continue
		case 'P':
		case 'S':
			var b [4]byte
			if _, err := io.ReadFull(r, b[:]); err != nil {
				return files, len(seen), fmt.Errorf("xbstream: %s: %w", name, err)
			}
			sparse = binary.LittleEndian.Uint32(b[:])
		default:
			return files, len(seen), fmt.Errorf("xbstream: %s: unknown chunk type %q", name, typ)
		}
		var b [20]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return files, len(seen), fmt.Errorf("xbstream: %s: %w", name, err)
		}
		length := binary.LittleEndian.Uint64(b[0:8])
		skip := int64(sparse) * 8
		if _, err := io.CopyN(io.Discard, r, skip); err != nil {
			return files, len(seen), fmt.Errorf("xbstream: %s: %w", name, err)
		}
		base := path.Base(name)
		if positionFiles[base] && len(files[base])+int(length) <= maxPositionFile {
			buf := make([]byte, length)
			if _, err := io.ReadFull(r, buf); err != nil {
				return files, len(seen), fmt.Errorf("xbstream: %s: %w", name, err)
			}
			files[base] = append(files[base], buf...)
			continue
		}
		if n, err := io.CopyN(io.Discard, r, int64(length)); err != nil {
			return files, len(seen), fmt.Errorf("xbstream: %s: payload cut short at %d of %d bytes: %w", name, n, length, err)
		}
	}
}

// Position is where a backup is consistent.
type Position struct {
	GaleraUUID  string
	GaleraSeqno int64
	GTID        string
}

var galeraInfoRE = regexp.MustCompile(`^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):(-?[0-9]+)(?:\s+(\S+))?\s*$`)

// gtidRE: a MariaDB GTID list (domain-server-seqno, comma separated) or a MySQL/PXC GTID set
// (uuid:interval). MariaDB 10.11 without wsrep_gtid_mode writes a bare "0" after the position:
// that is no GTID, and a manifest must not claim one.
var gtidRE = regexp.MustCompile(`^([0-9]+-[0-9]+-[0-9]+(,[0-9]+-[0-9]+-[0-9]+)*|[0-9a-f-]{36}:[0-9][0-9:,a-f-]*)$`)

// PositionFromFiles reads the Galera position (required) and the GTID (binlog info first, else the
// galera info's second field; empty when the server writes neither).
func PositionFromFiles(files map[string][]byte) (Position, error) {
	galera := files["mariadb_backup_galera_info"]
	if galera == nil {
		galera = files["xtrabackup_galera_info"]
	}
	if galera == nil {
		return Position{}, errors.New("the backup holds no galera_info file: not taken from a Galera node, or without --galera-info")
	}
	text := strings.TrimSpace(string(galera))
	m := galeraInfoRE.FindStringSubmatch(text)
	if m == nil {
		return Position{}, fmt.Errorf("galera_info %q is not uuid:seqno", text)
	}
	seqno, err := strconv.ParseInt(m[2], 10, 64)
	if err != nil || seqno < 0 {
		return Position{}, fmt.Errorf("galera_info %q has no valid seqno (the node was not Synced?)", text)
	}
	pos := Position{GaleraUUID: m[1], GaleraSeqno: seqno}
	if gtidRE.MatchString(m[3]) {
		pos.GTID = m[3]
	}
	binlog := files["mariadb_backup_binlog_info"]
	if binlog == nil {
		binlog = files["xtrabackup_binlog_info"]
	}
	if fields := strings.Split(strings.TrimSpace(string(binlog)), "\t"); len(fields) >= 3 && gtidRE.MatchString(strings.TrimSpace(fields[2])) {
		pos.GTID = strings.TrimSpace(fields[2])
	}
	return pos, nil
}
