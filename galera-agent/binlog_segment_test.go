package main

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"strings"
	"testing"
)

// A synthetic binary log in the v4 format, with CRC32 checksums as MariaDB 10.11 writes by default.
func testEvent(typ byte, ts uint32, flags uint16, body []byte) []byte {
	size := eventHeaderLen + len(body) + 4
	e := make([]byte, eventHeaderLen, size)
	binary.LittleEndian.PutUint32(e[0:4], ts)
	e[4] = typ
	binary.LittleEndian.PutUint32(e[5:9], 1)
	binary.LittleEndian.PutUint32(e[9:13], uint32(size))
	binary.LittleEndian.PutUint16(e[17:19], flags)
	e = append(e, body...)
	return binary.LittleEndian.AppendUint32(e, crc32.ChecksumIEEE(e))
}

func testFDE() []byte {
	body := make([]byte, 2+50+4+1+20)
	binary.LittleEndian.PutUint16(body[0:2], 4)
	copy(body[2:], "10.11.19-MariaDB")
	body[56] = eventHeaderLen
	return testEvent(eventFormatDescription, 1000, 1, append(body, checksumCRC32))
}

func testGTID(seq uint64, domain uint32, flags byte, ts uint32) []byte {
	body := binary.LittleEndian.AppendUint64(nil, seq)
	body = binary.LittleEndian.AppendUint32(body, domain)
	body = append(body, flags, 0, 0, 0, 0, 0, 0)
	return testEvent(eventMariaGTID, ts, 0, body)
}

func testQuery(text string) []byte {
	return testEvent(eventQuery, 1000, 0, append(make([]byte, 13), text...))
}

func testRows(n int) []byte { return testEvent(30, 1000, 0, bytes.Repeat([]byte{'r'}, n)) }
func testXid() []byte       { return testEvent(eventXid, 1000, 0, make([]byte, 8)) }

// testTxn: a row transaction (GTID, BEGIN, rows, XID).
func testTxn(seq uint64, domain uint32, ts uint32) []byte {
	return bytes.Join([][]byte{testGTID(seq, domain, 0, ts), testQuery("BEGIN"), testRows(40), testXid()}, nil)
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestScanBinlog(t *testing.T) {
	header := cat(binlogMagic, testFDE())
	gtidList := testEvent(163, 1000, 0, make([]byte, 8))
	ddl := cat(testGTID(2, 1, gtidFlagStandalone, 1001), testQuery("CREATE TABLE t (id INT PRIMARY KEY)"))
	commitTxn := cat(testGTID(3, 1, 0, 1002), testQuery("BEGIN"), testRows(10), testQuery("COMMIT"))
	unknownEnd := cat(testGTID(4, 1, 0, 1003), testQuery("BEGIN"), testRows(10))
	rotate := testEvent(eventRotate, 1004, 0, append(binary.LittleEndian.AppendUint64(nil, 4), "mysql-bin.000002"...))
	full := cat(header, gtidList, testTxn(1, 1, 1000), ddl, commitTxn, unknownEnd, testTxn(5, 1, 1005), rotate)

	cases := []struct {
		name      string
		buf       []byte
		wantSeqs  []uint64
		consumed  int
		rotate    string
		wantError string
	}{
		{"empty", nil, nil, 0, "", ""},
		{"magic only", binlogMagic, nil, 0, "", ""},
		{"header only", header, nil, len(header), "", ""},
		{"every end of a transaction, then the rotate", full, []uint64{1, 2, 3, 4, 5}, len(full), "mysql-bin.000002", ""},
		{"a partial transaction waits", cat(header, testTxn(1, 1, 1000), testGTID(2, 1, 0, 1001), testQuery("BEGIN")),
			[]uint64{1}, len(header) + len(testTxn(1, 1, 1000)), "", ""},
		{"a partial event waits", cat(header, testTxn(1, 1, 1000))[:len(header)+len(testTxn(1, 1, 1000))-3],
			nil, len(header), "", ""},
		{"not a binary log", []byte("hello world, not a binlog"), nil, 0, "", "magic"},
		{"no format description first", cat(binlogMagic, testTxn(1, 1, 1000)), nil, 0, "", "before the format description"},
		{"encrypted", cat(header, testEvent(eventStartEncryption, 1000, 0, make([]byte, 17))), nil, 0, "", "encrypted"},
		{"a corrupt size", cat(header, make([]byte, eventHeaderLen)), nil, 0, "", "corrupt"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := &binlogFileState{Name: "mysql-bin.000001"}
			res, err := scanBinlog(c.buf, st)
			if c.wantError != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantError) {
					t.Fatalf("error %v, want one containing %q", err, c.wantError)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var seqs []uint64
			for _, tx := range res.Txns {
				seqs = append(seqs, tx.Seq)
				if tx.Domain != 1 {
					t.Errorf("seq %d: domain %d", tx.Seq, tx.Domain)
				}
			}
			if len(seqs) != len(c.wantSeqs) || (len(seqs) > 0 && !equalSeqs(seqs, c.wantSeqs)) {
				t.Errorf("transactions %v, want %v", seqs, c.wantSeqs)
			}
			if res.Consumed != c.consumed || res.Rotate != c.rotate {
				t.Errorf("consumed %d rotate %q, want %d %q", res.Consumed, res.Rotate, c.consumed, c.rotate)
			}
			if len(c.buf) >= len(header) && !bytes.Equal(st.Header, header) {
				t.Errorf("header not read")
			}
		})
	}
}

func TestScanBinlogContinuesWhereItStopped(t *testing.T) {
	header := cat(binlogMagic, testFDE())
	file := cat(header, testTxn(1, 1, 1000), testTxn(2, 1, 1001))
	st := &binlogFileState{Name: "f"}
	first := file[:len(header)+len(testTxn(1, 1, 1000))+10]
	res, err := scanBinlog(first, st)
	if err != nil || len(res.Txns) != 1 {
		t.Fatalf("first scan: %v %v", res, err)
	}
	st.Offset = int64(res.Consumed)
	res, err = scanBinlog(file[st.Offset:], st)
	if err != nil || len(res.Txns) != 1 || res.Txns[0].Seq != 2 || res.Consumed != len(file)-int(st.Offset) {
		t.Fatalf("second scan: %+v %v", res, err)
	}
	// the ranges are relative to the buffer given: the transaction's bytes are exactly its events
	if !bytes.Equal(file[st.Offset:][res.Txns[0].Start:res.Txns[0].End], testTxn(2, 1, 1001)) {
		t.Errorf("transaction bytes differ")
	}
}

func equalSeqs(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCutSegment(t *testing.T) {
	header := cat(binlogMagic, testFDE())
	type tx struct {
		seq    uint64
		domain uint32
		ts     uint32
	}
	cases := []struct {
		name      string
		txns      []tx
		after     uint64
		wantOK    bool
		want      ArchivedSegment
		wantNext  int
		wantOther int
	}{
		{"contiguous", []tx{{5, 1, 100}, {6, 1, 101}, {7, 1, 103}}, 4, true, ArchivedSegment{1, 5, 7, 100, 103}, 3, 0},
		{"archived ones skipped", []tx{{5, 1, 100}, {6, 1, 101}, {7, 1, 103}}, 6, true, ArchivedSegment{1, 7, 7, 103, 103}, 3, 0},
		{"all archived", []tx{{5, 1, 100}, {6, 1, 101}}, 6, false, ArchivedSegment{}, 2, 0},
		{"a hole ends the segment", []tx{{5, 1, 100}, {6, 1, 101}, {9, 1, 103}, {10, 1, 104}}, 4, true, ArchivedSegment{1, 5, 6, 100, 101}, 2, 0},
		{"after a hole: the next cut", []tx{{9, 1, 103}, {10, 1, 104}}, 6, true, ArchivedSegment{1, 9, 10, 103, 104}, 2, 0},
		{"a node's local domain is left out", []tx{{3, 100, 99}, {5, 1, 100}, {4, 100, 100}, {6, 1, 102}}, 4, true, ArchivedSegment{1, 5, 6, 100, 102}, 4, 2},
		{"only local transactions", []tx{{3, 100, 99}}, 0, false, ArchivedSegment{}, 1, 1},
		{"timestamps out of order", []tx{{5, 1, 101}, {6, 1, 100}}, 0, true, ArchivedSegment{1, 5, 6, 100, 101}, 2, 0},
		{"a repeated seqno ends the segment", []tx{{5, 1, 100}, {5, 1, 100}}, 0, true, ArchivedSegment{1, 5, 5, 100, 100}, 1, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf []byte
			var txns []binlogTxn
			for _, x := range c.txns {
				start := len(buf)
				buf = append(buf, testTxn(x.seq, x.domain, x.ts)...)
				txns = append(txns, binlogTxn{Start: start, End: len(buf), Seq: x.seq, Domain: x.domain, Time: x.ts})
			}
			cut, ok := cutSegment(header, buf, txns, 1, c.after)
			if ok != c.wantOK || cut.Next != c.wantNext || cut.OtherDomains != c.wantOther {
				t.Fatalf("ok %v next %d other %d, want %v %d %d", ok, cut.Next, cut.OtherDomains, c.wantOK, c.wantNext, c.wantOther)
			}
			if !ok {
				return
			}
			if cut.Segment != c.want {
				t.Errorf("segment %+v, want %+v", cut.Segment, c.want)
			}
			// The body is a binary log on its own: the header, then exactly the segment's transactions.
			st := &binlogFileState{Name: "segment"}
			res, err := scanBinlog(cut.Body, st)
			if err != nil || res.Consumed != len(cut.Body) {
				t.Fatalf("the segment does not read back whole: %v (consumed %d of %d)", err, res.Consumed, len(cut.Body))
			}
			if got := res.Txns; len(got) == 0 || got[0].Seq != c.want.First || got[len(got)-1].Seq != c.want.Last ||
				uint64(len(got)) != c.want.Last-c.want.First+1 {
				t.Errorf("segment holds %+v", got)
			}
		})
	}
}

func TestScanBinlogReadsTheGtidList(t *testing.T) {
	list := binary.LittleEndian.AppendUint32(nil, 2)
	for _, g := range [][3]uint64{{0, 1, 7146}, {1, 1, 388}} {
		list = binary.LittleEndian.AppendUint32(list, uint32(g[0]))
		list = binary.LittleEndian.AppendUint32(list, uint32(g[1]))
		list = binary.LittleEndian.AppendUint64(list, g[2])
	}
	file := cat(binlogMagic, testFDE(), testEvent(eventMariaGTIDList, 1000, 0, list), testTxn(390, 1, 1001))
	st := &binlogFileState{Name: "mysql-bin.000002"}
	scan, err := scanBinlog(file, st)
	if err != nil || len(scan.Txns) != 1 {
		t.Fatalf("%v %v", scan, err)
	}
	if prev, ok := st.prevSeq(1); !ok || prev != 388 {
		t.Fatalf("before the first transaction: %d %v, want the Gtid_list's 388", prev, ok)
	}
	if _, ok := st.prevSeq(5); ok {
		t.Fatal("a domain the Gtid_list lacks is unknown, not 0")
	}
	st.see(scan.Txns)
	if prev, ok := st.prevSeq(1); !ok || prev != 390 {
		t.Fatalf("after the transaction: %d %v", prev, ok)
	}
	short := cat(binlogMagic, testFDE(), testEvent(eventMariaGTIDList, 1000, 0, binary.LittleEndian.AppendUint32(nil, 3)))
	if _, err := scanBinlog(short, &binlogFileState{Name: "x"}); err == nil {
		t.Fatal("a Gtid_list shorter than its count was accepted")
	}
}
