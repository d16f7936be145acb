package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

func backupEnv(extra map[string]string) Env {
	m := map[string]string{"STACK": "demo", "NAMESPACE": "shop", "BACKUP_NAME": "demo-20261206-0300",
		"DB_POD": "demo-db-1", "DB_HOST": "10.0.0.7", "BACKUP_PASSWORD": "p@ss word\"'",
		"BACKUP_FOLDER": "team/shop/demo/backups/demo-20261206-0300", "S3_ENDPOINT": "http://s3:7070",
		"S3_BUCKET": "b", "AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "SK"}
	for k, v := range extra {
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return func(k string) string { return m[k] }
}

func TestLoadBackupConfig(t *testing.T) {
	c, err := LoadBackupConfig(backupEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Tool != "mariadb-backup" || c.S3 == nil || c.S3.Region != "us-east-1" || c.User != "backup" || c.Port != "3306" {
		t.Fatalf("defaults: %+v", c)
	}
	pxc, err := LoadBackupConfig(backupEnv(map[string]string{"ENGINE": EnginePerconaXtraDBCls}))
	if err != nil || pxc.Tool != "xtrabackup" {
		t.Fatalf("pxc: %v %+v", err, pxc)
	}
	for name, extra := range map[string]map[string]string{
		"BACKUP_PASSWORD": {"BACKUP_PASSWORD": ""},
		"DB_HOST":         {"DB_HOST": ""},
		"BACKUP_FOLDER":   {"BACKUP_FOLDER": "a/../b"},
		"S3_BUCKET":       {"S3_BUCKET": ""},
		"ENGINE":          {"ENGINE": "mysql"},
		"BACKUP_USER":     {"BACKUP_USER": "x;y"},
		"nowhere":         {"S3_ENDPOINT": ""},
		"BACKUP_PART_MB":  {"BACKUP_PART_MB": "4"},
		"not both":        {"BACKUP_DIR": "/backups"},
	} {
		if _, err := LoadBackupConfig(backupEnv(extra)); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: want an error naming it, got %v", name, err)
		}
	}
}

func TestNoSecretOnTheCommandLine(t *testing.T) {
	c, _ := LoadBackupConfig(backupEnv(nil))
	dir := t.TempDir()
	args := strings.Join(BackupArgs(c, filepath.Join(dir, "client.cnf"), dir), " ")
	for _, secret := range []string{c.Password, "AK", "SK", "password"} {
		if strings.Contains(args, secret) {
			t.Errorf("the command line holds %q: %s", secret, args)
		}
	}
	if !strings.HasPrefix(args, "--defaults-extra-file=") {
		t.Errorf("--defaults-extra-file must come first (the tool ignores it elsewhere): %s", args)
	}
	p, err := backupDefaultsFile(dir, c)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(p)
	body, _ := os.ReadFile(p)
	if st.Mode().Perm() != 0o600 || !strings.Contains(string(body), `password="p@ss word\"'"`) {
		t.Errorf("defaults file mode %v body %q", st.Mode().Perm(), body)
	}
}

// fakeTool writes a shell script standing in for mariadb-backup: it prints the given stream to
// stdout, the given text to stderr, and exits with code.
func fakeTool(t *testing.T, stream []byte, stderr string, code int) string {
	dir := t.TempDir()
	data := filepath.Join(dir, "stream")
	os.WriteFile(data, stream, 0o600)
	script := filepath.Join(dir, "tool")
	os.WriteFile(script, []byte("#!/bin/sh\ncat '"+data+"'\necho '"+stderr+"' >&2\nexit "+string(rune('0'+code))+"\n"), 0o700)
	return script
}

func goodStream() []byte {
	var s bytes.Buffer
	s.Write(xbChunk('P', "ibdata1", bytes.Repeat([]byte("innodb"), 50000)))
	s.Write(xbChunk('E', "ibdata1", nil))
	s.Write(xbChunk('P', "xtrabackup_galera_info", []byte("69a5882d-e8dd-11f1-a129-7fb5ec1daa7b:12\n")))
	s.Write(xbChunk('E', "xtrabackup_galera_info", nil))
	return s.Bytes()
}

func TestStreamToADirectory(t *testing.T) {
	root := t.TempDir()
	target := &DirTarget{Root: root, Folder: "shop/demo/backups/b1"}
	if err := target.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	cfg := BackupConfig{Tool: fakeTool(t, goodStream(), "[00] completed OK!", 0), ZstdLevel: 3}
	data, _ := target.OpenData(context.Background())
	res, err := stream(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil)), cfg, "x", t.TempDir(), data)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := os.ReadFile(filepath.Join(root, "shop/demo/backups/b1", BackupDataObject))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(stored)
	if res.sha256 != hex.EncodeToString(sum[:]) || res.size != int64(len(stored)) || res.pos.GaleraSeqno != 12 {
		t.Fatalf("result %+v does not describe the stored object (%d bytes)", res, len(stored))
	}
	dec, _ := zstd.NewReader(bytes.NewReader(stored))
	plain, _ := io.ReadAll(dec)
	if !bytes.Equal(plain, goodStream()) {
		t.Fatal("the stored object does not decompress to the tool's stream")
	}
}

func TestAFailedToolLeavesNothingThatLooksComplete(t *testing.T) {
	for name, tool := range map[string]func(t *testing.T) string{
		"exit 1":          func(t *testing.T) string { return fakeTool(t, goodStream(), "[00] completed OK!", 1) },
		"no completed OK": func(t *testing.T) string { return fakeTool(t, goodStream(), "[00] error: disk full", 0) },
		"no galera info":  func(t *testing.T) string { return fakeTool(t, xbChunk('E', "ibdata1", nil), "completed OK!", 0) },
		"not an xbstream": func(t *testing.T) string { return fakeTool(t, []byte("garbage garbage garbage"), "completed OK!", 0) },
	} {
		root := t.TempDir()
		target := &DirTarget{Root: root, Folder: "b"}
		target.Check(context.Background())
		data, _ := target.OpenData(context.Background())
		_, err := stream(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil)),
			BackupConfig{Tool: tool(t), ZstdLevel: 1}, "x", t.TempDir(), data)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		data.Abort()
		left, _ := os.ReadDir(filepath.Join(root, "b"))
		if len(left) != 0 {
			t.Errorf("%s: left %v behind", name, left)
		}
	}
}

func TestDeleteRemovesOnlyACompleteBackupManifestFirst(t *testing.T) {
	root := t.TempDir()
	target := &DirTarget{Root: root, Folder: "shop/demo/backups/old"}
	target.Check(context.Background())
	if err := target.Delete(context.Background()); err == nil || !strings.Contains(err.Error(), "not a complete backup") {
		t.Fatalf("a folder without manifest must be refused, got %v", err)
	}
	data, _ := target.OpenData(context.Background())
	data.Write([]byte("x"))
	data.Commit(1)
	if err := target.Delete(context.Background()); err == nil {
		t.Fatal("data without manifest must be refused")
	}
	if _, err := os.Stat(filepath.Join(root, "shop/demo/backups/old", BackupDataObject)); err != nil {
		t.Fatal("the refused delete removed the data object")
	}
	target.WriteManifest(context.Background(), []byte("{}"))
	if err := target.Delete(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "shop/demo/backups/old")); !os.IsNotExist(err) {
		t.Fatalf("the folder should be gone: %v", err)
	}
}
