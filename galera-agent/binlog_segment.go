package main

// Cutting a staged binary log file into archive segments (docs/pitr.md): whole transactions only, each segment a
// valid binary log on its own (the file's header + its transactions), holding one contiguous run of seqnos of the
// cluster's GTID domain. Pure: bytes in, segment and positions out.

import (
	"errors"
	"fmt"
)

// binlogFileState is what the archiver knows of the staged file it follows.
type binlogFileState struct {
	Name        string
	Offset      int64  // bytes of the file already processed (archived or skipped)
	Header      []byte // magic + format description event, once read
	ChecksumLen int
	// List: the file's Gtid_list (the server's last logged seqno per domain when the file began), once read.
	List map[uint32]uint64
	// Seen: the last seqno per domain of the file's transactions processed so far (the archiver keeps it).
	Seen map[uint32]uint64
}

// prevSeq: the seqno of the domain's transaction the server logged last before the file's next unprocessed
// transaction, as far as this file tells: the last one processed, else the file's Gtid_list; ok is false when
// neither knows (a file without a Gtid_list entry of the domain tells nothing of what came before it).
func (st *binlogFileState) prevSeq(domain uint32) (uint64, bool) {
	if s, ok := st.Seen[domain]; ok {
		return s, true
	}
	s, ok := st.List[domain]
	return s, ok
}

// see records processed transactions.
func (st *binlogFileState) see(txns []binlogTxn) {
	for _, t := range txns {
		if st.Seen == nil {
			st.Seen = map[uint32]uint64{}
		}
		st.Seen[t.Domain] = t.Seq
	}
}

// binlogTxn is one complete transaction (or standalone statement) of a buffer.
type binlogTxn struct {
	Start, End int
	Seq        uint64
	Domain     uint32
	Time       uint32 // the GTID event's timestamp (Unix seconds)
}

type binlogScan struct {
	Txns     []binlogTxn
	Consumed int    // bytes of the buffer fully processed: up to the end of the last complete transaction
	Rotate   string // the next file, when the file's closing rotate event was read
}

// scanBinlog reads buf, the staged file's bytes from st.Offset, up to the last complete transaction. At offset 0
// it reads the file's header into st. A transaction ends with its XID event, a COMMIT statement, the one event
// after a standalone GTID event, or (for an end this reader does not know) the next GTID event.
func scanBinlog(buf []byte, st *binlogFileState) (binlogScan, error) {
	var res binlogScan
	off := 0
	if st.Header == nil {
		if st.Offset != 0 {
			return res, errors.New("the file's header was not read (the archiver must start a file at offset 0)")
		}
		if len(buf) < len(binlogMagic) {
			return res, nil
		}
		if string(buf[:4]) != string(binlogMagic) {
			return res, fmt.Errorf("%s does not start with the binary log magic number", st.Name)
		}
		off = 4
	}
	var cur *binlogTxn
	standalone := false
	finish := func(end int) {
		cur.End = end
		res.Txns = append(res.Txns, *cur)
		res.Consumed = end
		cur = nil
	}
	for {
		ev, ok, err := nextEvent(buf, off)
		if err != nil {
			return res, fmt.Errorf("%s at offset %d: %w", st.Name, st.Offset+int64(off), err)
		}
		if !ok {
			return res, nil
		}
		off = ev.End
		if st.Header == nil {
			switch {
			case ev.Type == eventFormatDescription:
				st.Header = append(append([]byte{}, binlogMagic...), buf[ev.Start:ev.End]...)
				st.ChecksumLen = checksumLenOf(buf, ev)
				res.Consumed = ev.End
				continue
			case ev.Flags&artificialFlag != 0:
				res.Consumed = ev.End
				continue
			default:
				return res, fmt.Errorf("%s: event type %d before the format description event", st.Name, ev.Type)
			}
		}
		if ev.Type == eventStartEncryption {
			return res, fmt.Errorf("%s is encrypted (encrypt_binlog): not supported by the archiver", st.Name)
		}
		if ev.Type == eventMariaGTID {
			if cur != nil {
				finish(ev.Start)
			}
			seq, domain, flags, err := gtidOf(buf, ev)
			if err != nil {
				return res, err
			}
			cur = &binlogTxn{Start: ev.Start, Seq: seq, Domain: domain, Time: ev.Timestamp}
			standalone = flags&gtidFlagStandalone != 0
			continue
		}
		if cur != nil {
			if standalone || ev.Type == eventXid || (ev.Type == eventQuery && endsWithCommit(buf, ev, st.ChecksumLen)) {
				finish(ev.End)
			}
			continue
		}
		// Between transactions: GTID lists, checkpoints, the closing rotate. Nothing of them is replayed.
		res.Consumed = ev.End
		if ev.Type == eventMariaGTIDList && st.List == nil && ev.Flags&artificialFlag == 0 {
			if st.List, err = gtidListOf(buf, ev, st.ChecksumLen); err != nil {
				return res, fmt.Errorf("%s: %w", st.Name, err)
			}
		}
		if ev.Type == eventRotate && ev.Flags&artificialFlag == 0 {
			next, err := rotateTarget(buf, ev, st.ChecksumLen)
			if err != nil {
				return res, fmt.Errorf("%s: %w", st.Name, err)
			}
			res.Rotate = next
			return res, nil
		}
	}
}

// segmentCut is one segment to upload, and how far it takes the archive.
type segmentCut struct {
	Body         []byte
	Segment      ArchivedSegment
	Start        int // the segment's first transaction (an index of the transactions given)
	Next         int // transactions of the scan processed (archived or skipped); the rest wait for the next cut
	OtherDomains int // transactions skipped because they are not the cluster's (a node's local writes)
}

// maxSegmentBytes bounds one segment (a catch-up after downtime is cut into several).
const maxSegmentBytes = 64 << 20

// cutSegment takes, from the scanned transactions, the longest run of the cluster's domain that continues after
// seqno `after` without a hole: a segment never hides a missing seqno inside its range (the gap check reads
// only the names). Transactions at or below `after` are archived already and are skipped.
// ok is false when nothing is left to upload; Next still says how many transactions were processed.
func cutSegment(header, buf []byte, txns []binlogTxn, domain uint32, after uint64) (cut segmentCut, ok bool) {
	i := 0
	for ; i < len(txns); i++ {
		t := txns[i]
		if t.Domain != domain {
			cut.OtherDomains++
			continue
		}
		if t.Seq > after {
			break
		}
	}
	if i == len(txns) {
		cut.Next = i
		return cut, false
	}
	cut.Start = i
	body := append([]byte{}, header...)
	s := ArchivedSegment{Domain: domain, First: txns[i].Seq, Last: txns[i].Seq,
		FirstTime: int64(txns[i].Time), LastTime: int64(txns[i].Time)}
	last := txns[i].Seq - 1
	for ; i < len(txns); i++ {
		t := txns[i]
		if t.Domain != domain {
			cut.OtherDomains++
			continue
		}
		if t.Seq != last+1 || (len(body) > len(header) && len(body)+(t.End-t.Start) > maxSegmentBytes) {
			break
		}
		body = append(body, buf[t.Start:t.End]...)
		last = t.Seq
		s.Last = t.Seq
		s.FirstTime = min(s.FirstTime, int64(t.Time))
		s.LastTime = max(s.LastTime, int64(t.Time))
	}
	cut.Body, cut.Segment, cut.Next = body, s, i
	return cut, true
}
