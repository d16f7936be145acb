package main

import (
	"bufio"
	"errors"
	"os"
)

// runInstall copies this binary to dest (the emptyDir the database container mounts), so that public
// engine images (Percona's) run the same start code without a custom image.
func runInstall(dest string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	in, err := os.Open(self)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := dest + ".tmp"
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o755)
	if err != nil {
		return err
	}
	if _, err := bufio.NewReader(in).WriteTo(out); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	return os.Rename(tmp, dest)
}

var errUsage = errors.New("usage: galera-agent [serve | start | drain | install <destination> | backup | backup-delete | restore | binlog-archive | binlog-plan]")
