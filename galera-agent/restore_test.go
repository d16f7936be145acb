package main

import (
	"strings"
	"testing"
	"time"
)

func TestRestoreStep(t *testing.T) {
	cases := []struct {
		name string
		f    RestoreFacts
		want RestoreAction
	}{
		{"ordinal 0, empty datadir: restore", RestoreFacts{}, RestoreRun},
		{"ordinal 0, restored already (a pod restart): skip", RestoreFacts{Marker: true, Entries: []string{"ibdata1", "mysql"}}, RestoreSkipDone},
		{"ordinal 0, data of its own: refuse (never over data)", RestoreFacts{Entries: []string{"grastate.dat", "mysql"}}, RestoreRefuse},
		{"ordinal 0, a single file: refuse", RestoreFacts{Entries: []string{"notes.txt"}}, RestoreRefuse},
		{"ordinal 2, empty: skip (joins by SST)", RestoreFacts{Ordinal: 2}, RestoreSkipMember},
		{"ordinal 1 with data: skip (its start decides)", RestoreFacts{Ordinal: 1, Entries: []string{"mysql"}}, RestoreSkipMember},
		{"ordinal 1, marker: skip done", RestoreFacts{Ordinal: 1, Marker: true}, RestoreSkipDone},
	}
	for _, c := range cases {
		if got, why := RestoreStep(c.f); got != c.want || why == "" {
			t.Errorf("%s: got %s (%q), want %s", c.name, got, why, c.want)
		}
	}
	_, why := RestoreStep(RestoreFacts{Entries: []string{"a", "b", "c", "d", "e", "f", "g"}})
	if !strings.Contains(why, "a b c d e ...") || strings.Contains(why, "f") && strings.Contains(why, " f ") {
		t.Errorf("refusal lists at most five names: %q", why)
	}
}

func TestCheckRestoreManifest(t *testing.T) {
	m := Manifest{Backup: "b1", Engine: EngineMariaDBGalera, ServerVersion: "10.11.14-MariaDB-0+deb12u2"}
	running := "mariadbd  Ver 10.11.14-MariaDB-0+deb12u2 for debian-linux-gnu on x86_64 (Debian 12)"
	cases := []struct {
		name    string
		mod     func(*Manifest)
		name2   string
		engine  string
		running string
		errHas  string
	}{
		{"same version, engine and name: accepted", func(*Manifest) {}, "b1", EngineMariaDBGalera, running, ""},
		{"older patch release: accepted", func(m *Manifest) { m.ServerVersion = "10.11.6-MariaDB" }, "b1", EngineMariaDBGalera, running, ""},
		{"newer patch release: refused", func(m *Manifest) { m.ServerVersion = "10.11.15-MariaDB" }, "b1", EngineMariaDBGalera, running, "newer"},
		{"newer series: refused", func(m *Manifest) { m.ServerVersion = "11.4.2-MariaDB" }, "b1", EngineMariaDBGalera, running, "newer"},
		{"older series: refused", func(m *Manifest) { m.ServerVersion = "10.6.18-MariaDB" }, "b1", EngineMariaDBGalera, running, "another release series"},
		{"other engine: refused", func(m *Manifest) { m.Engine = EnginePerconaXtraDBCls }, "b1", EngineMariaDBGalera, running, "engine percona-xtradb-cluster"},
		{"another backup's manifest: refused", func(*Manifest) {}, "b2", EngineMariaDBGalera, running, "another backup"},
		{"unreadable running version: refused", func(*Manifest) {}, "b1", EngineMariaDBGalera, "mariadbd", "cannot compare"},
	}
	for _, c := range cases {
		mm := m
		c.mod(&mm)
		err := CheckRestoreManifest(mm, c.name2, c.engine, c.running)
		switch {
		case c.errHas == "" && err != nil:
			t.Errorf("%s: refused: %v", c.name, err)
		case c.errHas != "" && (err == nil || !strings.Contains(err.Error(), c.errHas)):
			t.Errorf("%s: got %v, want an error with %q", c.name, err, c.errHas)
		}
	}
}

func TestGraStateForRestoreParses(t *testing.T) {
	gs, err := ParseGraState(strings.NewReader(GraStateForRestore("69a5882d-e8dd-11f1-a129-7fb5ec1daa7b", 48213)))
	if err != nil || gs.UUID != "69a5882d-e8dd-11f1-a129-7fb5ec1daa7b" || gs.Seqno != 48213 || !gs.SafeToBootstrap {
		t.Errorf("got %+v, %v", gs, err)
	}
}

func TestLoadRestoreConfig(t *testing.T) {
	base := map[string]string{"BACKUP_NAME": "b1", "BACKUP_FOLDER": "/p/ns/s/backups/b1/", "S3_ENDPOINT": "http://s3:7070",
		"S3_BUCKET": "bk", "POD_NAME": "demo-db-0"}
	env := func(over map[string]string) Env {
		return func(k string) string {
			if v, ok := over[k]; ok {
				return v
			}
			return base[k]
		}
	}
	c, err := LoadRestoreConfig(env(nil), "h")
	if err != nil || c.Ordinal != 0 || c.Folder != "p/ns/s/backups/b1" || c.S3 == nil || c.Tool != "mariadb-backup" || c.Extract != "mbstream" {
		t.Fatalf("got %+v, %v", c, err)
	}
	for name, over := range map[string]map[string]string{
		"no name":                       {"BACKUP_NAME": ""},
		"folder with ..":                {"BACKUP_FOLDER": "a/../b"},
		"both targets":                  {"BACKUP_DIR": "/backups"},
		"no target":                     {"S3_ENDPOINT": ""},
		"no ordinal":                    {"POD_NAME": "demo"},
		"unknown engine":                {"ENGINE": "mysql"},
		"ordinal not a int":             {"ORDINAL": "x"},
		"point in time not RFC 3339":    {"RESTORE_TIME": "2026-12-06 14:00:00", "BINLOG_FOLDER": "p/ns/s/binlogs"},
		"point in time without archive": {"RESTORE_TIME": "2026-12-06T14:00:00Z"},
		"point in time with ..":         {"RESTORE_TIME": "2026-12-06T14:00:00Z", "BINLOG_FOLDER": "p/../binlogs"},
		"point in time on Percona":      {"RESTORE_TIME": "2026-12-06T14:00:00Z", "BINLOG_FOLDER": "p/ns/s/binlogs", "ENGINE": EnginePerconaXtraDBCls},
	} {
		if _, err := LoadRestoreConfig(env(over), "h"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if c.PointInTime != nil {
		t.Errorf("no RESTORE_TIME: a whole-backup restore, got %+v", c.PointInTime)
	}
	c, err = LoadRestoreConfig(env(map[string]string{"RESTORE_TIME": "2026-12-06T15:00:00+01:00", "BINLOG_FOLDER": "/p/ns/s/binlogs/"}), "h")
	if err != nil || c.PointInTime == nil || c.PointInTime.Folder != "p/ns/s/binlogs" || c.PointInTime.Domain != nil ||
		!c.PointInTime.Time.Equal(time.Date(2026, 12, 6, 14, 0, 0, 0, time.UTC)) {
		t.Errorf("point in time: %+v, %v", c.PointInTime, err)
	}
	if c, _ := LoadRestoreConfig(env(map[string]string{"POD_NAME": "demo-db-2"}), "h"); c.Ordinal != 2 {
		t.Errorf("ordinal from POD_NAME: %d", c.Ordinal)
	}
}
