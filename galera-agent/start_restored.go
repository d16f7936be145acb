package main

import (
	"os"
	"os/user"
	"strconv"
	"strings"
)

// The first start of ordinal 0 after `galera-agent restore` (PathRestored).

func (s *Starter) restoredSummary() string {
	b, err := os.ReadFile(s.path(RestoredFileName))
	if err != nil {
		return err.Error()
	}
	return strings.TrimSpace(string(b))
}

// bootstrapRestored: a new Primary component from the restored data, at the backup's position. The data
// carries the source stack's accounts: root's password is set to this stack's by an init file (read by the
// server at start, before any client; removed once SQL answers), then the usual user statements set every
// other account of this stack.
func (s *Starter) bootstrapRestored() {
	gs := s.readGraState()
	s.recUUID, s.recSeqno = gs.UUID, gs.Seqno
	s.log.Info("decision: bootstrap a new cluster from the restored data", "decision", "bootstrap-restored",
		"uuid", gs.UUID, "seqno", strconv.FormatInt(gs.Seqno, 10),
		"reason", "ordinal 0, datadir filled by a restore, every peer agent answered: no Primary component, no data")
	if err := s.cfg.CheckSecrets(); err != nil {
		s.die(err.Error())
	}
	if gs.UUID == "" || gs.UUID == ZeroUUID || gs.Seqno < 0 {
		s.die("the restored datadir's grastate.dat holds no position; the restore did not finish",
			"fix", "delete ordinal 0's volume and let the restore run again")
	}
	if b, err := os.ReadFile(s.path(GraStateFileName)); err == nil {
		fi, _ := os.Stat(s.path(GraStateFileName))
		if err := writeFileAtomic(s.path(GraStateFileName), []byte(SetSafeToBootstrap(string(b))), fi.Mode().Perm()); err != nil {
			s.die("cannot set safe_to_bootstrap in grastate.dat", "error", err.Error())
		}
	}
	initFile := s.runPath("restore-init.sql")
	stmt := "ALTER USER 'root'@'localhost' IDENTIFIED BY " + SQLString(s.cfg.RootPassword) + ";\n"
	if err := writeFileAtomic(initFile, []byte(stmt), 0o600); err != nil {
		s.die("cannot write the init file", "error", err.Error())
	}
	if os.Geteuid() == 0 { // the server runs as mysql (--user=mysql) and reads the file after dropping root
		if u, err := user.Lookup("mysql"); err == nil {
			uid, _ := strconv.Atoi(u.Uid)
			gid, _ := strconv.Atoi(u.Gid)
			os.Chown(initFile, uid, gid)
		}
	}
	s.startServer("bootstrap-restored", append(BootstrapArgs(gs.UUID, gs.Seqno), "--init-file="+initFile))
	s.waitForSQL()
	os.Remove(initFile)
	s.setupUsers()
	s.waitServer()
}
