package main

// The parts of MariaDB's binary log format (v4) that the archiver needs to cut a growing file into whole
// transactions: the 19-byte event header, the format description event (where a file's header ends and whether
// events carry a CRC32), MariaDB's GTID event (seqno, domain, flags), and the events that end a transaction.
// Pure functions over bytes; docs/pitr.md says why segments are cut at transaction ends.

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// binlogMagic starts every binary log file.
var binlogMagic = []byte{0xfe, 'b', 'i', 'n'}

const (
	eventHeaderLen = 19

	eventQuery             = 2
	eventRotate            = 4
	eventFormatDescription = 15
	eventXid               = 16
	eventMariaGTID         = 162
	eventMariaGTIDList     = 163
	eventStartEncryption   = 164

	gtidFlagStandalone = 0x01 // a statement outside any transaction (DDL): the transaction is the next event
	artificialFlag     = 0x20 // LOG_EVENT_ARTIFICIAL_F: made up by the server for a replica, not in the file
	checksumCRC32      = 1
)

// binlogEvent is one complete event of a buffer: where it is, and its header's fields.
type binlogEvent struct {
	Start, End int // byte range in the buffer
	Type       byte
	Timestamp  uint32
	ServerID   uint32
	Flags      uint16
}

// nextEvent reads the event at off in buf; ok is false when buf does not hold all of it yet.
func nextEvent(buf []byte, off int) (ev binlogEvent, ok bool, err error) {
	if len(buf)-off < eventHeaderLen {
		return ev, false, nil
	}
	h := buf[off:]
	size := int(binary.LittleEndian.Uint32(h[9:13]))
	if size < eventHeaderLen {
		return ev, false, fmt.Errorf("event at offset %d has size %d (< %d): not a binary log, or corrupt", off, size, eventHeaderLen)
	}
	if len(h) < size {
		return ev, false, nil
	}
	return binlogEvent{Start: off, End: off + size, Type: h[4], Timestamp: binary.LittleEndian.Uint32(h[0:4]),
		ServerID: binary.LittleEndian.Uint32(h[5:9]), Flags: binary.LittleEndian.Uint16(h[17:19])}, true, nil
}

// gtidOf reads a MariaDB GTID event: seqno, domain and flags.
func gtidOf(buf []byte, ev binlogEvent) (seq uint64, domain uint32, flags byte, err error) {
	body := buf[ev.Start+eventHeaderLen : ev.End]
	if len(body) < 13 {
		return 0, 0, 0, fmt.Errorf("GTID event at offset %d is %d bytes long: too short", ev.Start, ev.End-ev.Start)
	}
	return binary.LittleEndian.Uint64(body[0:8]), binary.LittleEndian.Uint32(body[8:12]), body[12], nil
}

// checksumLenOf: the bytes of checksum every event of the file carries after its body, read from the format
// description event (its checksum algorithm byte sits just before its own 4-byte checksum).
func checksumLenOf(buf []byte, fde binlogEvent) int {
	if fde.End-fde.Start >= eventHeaderLen+5 && buf[fde.End-5] == checksumCRC32 {
		return 4
	}
	return 0
}

// endsWithCommit: a query event whose statement is COMMIT (a transaction of a non-XA engine ends so).
func endsWithCommit(buf []byte, ev binlogEvent, checksumLen int) bool {
	end := ev.End - checksumLen
	const word = "COMMIT"
	return end-len(word) >= ev.Start+eventHeaderLen && string(buf[end-len(word):end]) == word
}

// rotateTarget: the next file a (real, not artificial) rotate event names.
func rotateTarget(buf []byte, ev binlogEvent, checksumLen int) (string, error) {
	body := buf[ev.Start+eventHeaderLen : ev.End-checksumLen]
	if len(body) < 9 {
		return "", errors.New("rotate event too short")
	}
	return string(body[8:]), nil
}

// gtidListOf reads a MariaDB Gtid_list event (the server's binary log state when the file began: the last logged
// seqno of each domain): a count (low 28 bits), then domain, server id and seqno per entry.
func gtidListOf(buf []byte, ev binlogEvent, checksumLen int) (map[uint32]uint64, error) {
	body := buf[ev.Start+eventHeaderLen : ev.End-checksumLen]
	if len(body) < 4 {
		return nil, fmt.Errorf("Gtid_list event at offset %d is too short", ev.Start)
	}
	n := int(binary.LittleEndian.Uint32(body[0:4]) & 0x0fffffff)
	if len(body) < 4+16*n {
		return nil, fmt.Errorf("Gtid_list event at offset %d lists %d GTIDs in %d bytes", ev.Start, n, len(body))
	}
	list := make(map[uint32]uint64, n)
	for i := 0; i < n; i++ {
		e := body[4+16*i:]
		list[binary.LittleEndian.Uint32(e[0:4])] = binary.LittleEndian.Uint64(e[8:16])
	}
	return list, nil
}
