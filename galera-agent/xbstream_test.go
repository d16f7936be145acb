package main

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

// xbChunk builds one payload chunk ('P') or end-of-file chunk ('E') as mariadb-backup writes them.
func xbChunk(typ byte, path string, payload []byte) []byte {
	var b bytes.Buffer
	b.WriteString(xbMagic)
	b.WriteByte(0)
	b.WriteByte(typ)
	binary.Write(&b, binary.LittleEndian, uint32(len(path)))
	b.WriteString(path)
	if typ == 'P' {
		binary.Write(&b, binary.LittleEndian, uint64(len(payload)))
		binary.Write(&b, binary.LittleEndian, uint64(0))
		binary.Write(&b, binary.LittleEndian, uint32(0))
		b.Write(payload)
	}
	return b.Bytes()
}

func TestXbstreamScanFindsThePositionFiles(t *testing.T) {
	var s bytes.Buffer
	s.Write(xbChunk('P', "ibdata1", bytes.Repeat([]byte{7}, 10000)))
	s.Write(xbChunk('P', "ibdata1", bytes.Repeat([]byte{8}, 10)))
	s.Write(xbChunk('E', "ibdata1", nil))
	s.Write(xbChunk('P', "xtrabackup_galera_info", []byte("69a5882d-e8dd-11f1-a129-7fb5ec1daa7b:48213\n")))
	s.Write(xbChunk('E', "xtrabackup_galera_info", nil))
	s.Write(xbChunk('P', "xtrabackup_binlog_info", []byte("mysql-bin.000003\t385\t0-1-48213\n")))
	s.Write(xbChunk('E', "xtrabackup_binlog_info", nil))
	files, n, err := XbstreamScan(&s)
	if err != nil || n != 3 {
		t.Fatalf("scan: %v, %d files", err, n)
	}
	pos, err := PositionFromFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	if pos != (Position{"69a5882d-e8dd-11f1-a129-7fb5ec1daa7b", 48213, "0-1-48213"}) {
		t.Fatalf("position %+v", pos)
	}
}

func TestXbstreamScanRefusesWhatIsNotAnXbstream(t *testing.T) {
	good := xbChunk('P', "ibdata1", []byte("abcdef"))
	for name, stream := range map[string][]byte{
		"plain text":    []byte("this is not an xbstream at all"),
		"cut payload":   good[:len(good)-2],
		"unknown type":  xbChunk('X', "ibdata1", nil),
		"cut in header": good[:10],
	} {
		if _, _, err := XbstreamScan(bytes.NewReader(stream)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestPositionFromFiles(t *testing.T) {
	const u = "69a5882d-e8dd-11f1-a129-7fb5ec1daa7b"
	cases := []struct {
		name  string
		files map[string][]byte
		want  Position
		err   string
	}{
		{"galera only", map[string][]byte{"xtrabackup_galera_info": []byte(u + ":7\n")}, Position{u, 7, ""}, ""},
		{"galera with gtid", map[string][]byte{"mariadb_backup_galera_info": []byte(u + ":7 0-1-7\n")}, Position{u, 7, "0-1-7"}, ""},
		{"a bare domain id is no gtid (MariaDB 10.11 on kind)", map[string][]byte{"mariadb_backup_galera_info": []byte(u + ":6493 0\n")}, Position{u, 6493, ""}, ""},
		{"binlog gtid wins", map[string][]byte{"xtrabackup_galera_info": []byte(u + ":7 0-1-6"),
			"xtrabackup_binlog_info": []byte("b.000001\t4\t0-1-7\n")}, Position{u, 7, "0-1-7"}, ""},
		{"binlog without gtid", map[string][]byte{"xtrabackup_galera_info": []byte(u + ":7"),
			"xtrabackup_binlog_info": []byte("b.000001\t4\n")}, Position{u, 7, ""}, ""},
		{"no galera info", map[string][]byte{"xtrabackup_binlog_info": []byte("b\t4\t0-1-7")}, Position{}, "no galera_info"},
		{"seqno -1", map[string][]byte{"xtrabackup_galera_info": []byte(u + ":-1")}, Position{}, "no valid seqno"},
		{"garbage", map[string][]byte{"xtrabackup_galera_info": []byte("hello")}, Position{}, "not uuid:seqno"},
	}
	for _, c := range cases {
		got, err := PositionFromFiles(c.files)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: want error %q, got %v", c.name, c.err, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: got %+v, %v", c.name, got, err)
		}
	}
}
