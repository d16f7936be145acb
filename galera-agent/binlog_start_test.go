package main

import "testing"

func TestParseGtidList(t *testing.T) {
	cases := []struct {
		info string
		want uint64
		bad  bool
	}{
		{"[]", 0, false},
		{"[1-1-42]", 42, false},
		{"[0-1-5,1-1-42]", 42, false},
		{"[0-1-5]", 0, false},
		{" [0-1-5, 1-3-7] ", 7, false},
		{"1-1-42", 0, true},
		{"[1-1]", 0, true},
		{"[a-1-2]", 0, true},
	}
	for _, c := range cases {
		got, err := parseGtidList(c.info, 1)
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("%q: %d %v, want %d (error %v)", c.info, got, err, c.want, c.bad)
		}
	}
}

func TestStartFile(t *testing.T) {
	files := []serverBinlog{{"b.000003", 10}, {"b.000004", 50}, {"b.000005", 90}}
	cases := []struct {
		name  string
		files []serverBinlog
		after uint64
		want  string
		gap   *ArchiveProblem
	}{
		{"no files", nil, 5, "", nil},
		{"an empty archive starts at the oldest", files, 0, "b.000003", nil},
		{"the file holding after+1", files, 60, "b.000004", nil},
		{"after+1 is the first of a file", files, 50, "b.000004", nil},
		{"the newest file", files, 95, "b.000005", nil},
		{"purged before archived: a gap", files, 4, "b.000003", &ArchiveProblem{ProblemGap, 5, 10, 0}},
		{"exactly at the oldest file's start", files, 10, "b.000003", nil},
	}
	for _, c := range cases {
		got, gap := startFile(c.files, c.after)
		if got != c.want || (gap == nil) != (c.gap == nil) || (gap != nil && *gap != *c.gap) {
			t.Errorf("%s: %q %v, want %q %v", c.name, got, gap, c.want, c.gap)
		}
	}
}

func TestLaterBinlogName(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"mysql-bin.000002", "mysql-bin.000001", true},
		{"mysql-bin.000001", "mysql-bin.000002", false},
		{"mysql-bin.000001", "mysql-bin.000001", false},
		{"mysql-bin.1000000", "mysql-bin.999999", true},
	} {
		if got := laterBinlogName(c.a, c.b); got != c.want {
			t.Errorf("%s after %s: %v", c.a, c.b, got)
		}
	}
}
