package main

import (
	"strings"
	"testing"
)

func TestGtidOfDomain(t *testing.T) {
	g, n, err := gtidOfDomain("0-1-5,1-1-42", 1)
	if err != nil || g != "1-1-42" || n != 42 {
		t.Fatalf("%q %d %v", g, n, err)
	}
	if _, _, err := gtidOfDomain("0-1-5", 1); err == nil || !strings.Contains(err.Error(), "no transaction of domain 1") {
		t.Fatalf("a backup without the domain: %v", err)
	}
}

func TestCheckSegmentBody(t *testing.T) {
	header := cat(binlogMagic, testFDE())
	body := cat(header, testTxn(5, 1, 100), testTxn(6, 1, 101))
	good := ArchivedSegment{Domain: 1, First: 5, Last: 6, FirstTime: 100, LastTime: 101}
	if err := checkSegmentBody(good, body); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		s    ArchivedSegment
		body []byte
		err  string
	}{
		"cut short":         {good, body[:len(body)-5], "not whole"},
		"name says more":    {ArchivedSegment{1, 5, 7, 100, 101}, body, "ends at seqno 6"},
		"other first seqno": {ArchivedSegment{1, 4, 6, 100, 101}, body, "expected"},
		"header cut short":  {good, header[:len(header)-3], "not whole"},
		"header and a part": {good, cat(header, testTxn(5, 1, 100)[:20]), "not whole"},
	} {
		if err := checkSegmentBody(c.s, c.body); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: %v, want %q", name, err, c.err)
		}
	}
	// The header alone records seqnos the server did not log (unloggedSegment): valid, it replays nothing.
	if err := checkSegmentBody(ArchivedSegment{1, 7, 7, 101, 101}, header); err != nil {
		t.Errorf("header only: %v", err)
	}
}
