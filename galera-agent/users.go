package main

import "strings"

// SQLString quotes a value as a SQL string literal (backslash and quote escaped), as the start script
// did: passwords may contain any character; names are checked to be plain first (CheckSecrets).
func SQLString(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, `'`, `\'`)
	return "'" + s + "'"
}

// localHosts: the monitor and SST users only log in from the pod itself: 'localhost' is the Unix
// socket, 127.0.0.1 and ::1 the loopback TCP the agent container uses (skip-name-resolve: a TCP
// login from 127.0.0.1 does not match 'localhost').
var localHosts = []string{"localhost", "127.0.0.1", "::1"}

// sstGrants: what mariabackup needs on the donor, per the MariaDB 10.11 docs (mariabackup SST method:
// RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR; BINLOG MONITOR is 10.5's name of REPLICATION CLIENT).
const sstGrants = "RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR"

// UserStatements: the users and the app database, safe to run on every start (IF NOT EXISTS, ALTER,
// REVOKE then GRANT). drops are the DROP USER statements for anonymous users and remote roots found
// on the server. The monitor user (the agent's SHOW GLOBAL STATUS) needs no privilege beyond USAGE;
// an earlier '%' monitor user is dropped. The SST user exists for MariaDB only (Percona's xtrabackup
// SST uses its own internal user).
func UserStatements(c StartConfig, kind string, drops []string) []string {
	var s []string
	mon, monPW := SQLString(c.MonitorUser), SQLString(c.MonitorPass)
	for _, h := range localHosts {
		s = append(s, accountWithExactly(mon+"@"+SQLString(h), monPW, "USAGE")...)
	}
	// After the local accounts exist, so that the agent's next login finds one at every moment.
	s = append(s, "DROP USER IF EXISTS "+mon+"@'%'")
	if kind == KindMariaDB && c.SSTPassword != "" {
		sst, sstPW := SQLString(c.SSTUser), SQLString(c.SSTPassword)
		for _, h := range localHosts {
			s = append(s, accountWithExactly(sst+"@"+SQLString(h), sstPW, sstGrants)...)
		}
	}
	// The backup user logs in over TCP from the backup Job's pod (another pod on the same node, whose
	// address is not known in advance), so its host is '%'; it has the SST user's privileges only:
	// what mariadb-backup --backup needs, no data access through SQL (it reads the files).
	if kind == KindMariaDB && c.BackupPass != "" {
		s = append(s, accountWithExactly(SQLString(c.BackupUser)+"@'%'", SQLString(c.BackupPass), sstGrants)...)
	}
	// The binary log archiver (point-in-time recovery) logs in over TCP from its own pod, as a replica: it reads
	// the binary log and lists the files, nothing else (binlogArchiveGrants). Only while PITR is on: the operator
	// sets BINLOG_PASSWORD then; without it the user is left as it is (an archiver that was on keeps its login).
	if kind == KindMariaDB && c.BinlogPass != "" {
		s = append(s, accountWithExactly(SQLString(c.BinlogUser)+"@'%'", SQLString(c.BinlogPass), binlogArchiveGrants)...)
	}
	if c.AppDatabase != "" {
		app, appPW := SQLString(c.AppUser), SQLString(c.AppPassword)
		s = append(s, "CREATE DATABASE IF NOT EXISTS `"+c.AppDatabase+"`",
			"CREATE USER IF NOT EXISTS "+app+"@'%' IDENTIFIED BY "+appPW,
			"ALTER USER "+app+"@'%' IDENTIFIED BY "+appPW,
			// Only what schema migrations and the app need, on its own database only.
			"GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP, REFERENCES, CREATE VIEW, SHOW VIEW, "+
				"LOCK TABLES, CREATE TEMPORARY TABLES ON `"+c.AppDatabase+"`.* TO "+app+"@'%'")
	}
	s = append(s, drops...)
	s = append(s, "ALTER USER 'root'@'localhost' IDENTIFIED BY "+SQLString(c.RootPassword))
	return s
}

// dropsQuery lists anonymous users and every root that is not root@localhost.
const dropsQuery = "SELECT CONCAT('DROP USER IF EXISTS ', QUOTE(user), '@', QUOTE(host)) FROM mysql.user " +
	"WHERE user = '' OR (user = 'root' AND host NOT IN ('localhost'))"

// accountWithExactly: the statements that leave ACCOUNT (user@host, quoted) with password PW (quoted) and
// exactly the privileges GRANTS on *.*, whether it existed before or not (safe to run at every start).
func accountWithExactly(account, pw, grants string) []string {
	return []string{"CREATE USER IF NOT EXISTS " + account + " IDENTIFIED BY " + pw,
		"ALTER USER " + account + " IDENTIFIED BY " + pw,
		"REVOKE ALL PRIVILEGES, GRANT OPTION FROM " + account,
		"GRANT " + grants + " ON *.* TO " + account}
}
