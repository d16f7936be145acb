package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// DirTarget writes a backup folder into a mounted volume (spec.backup.storage.pvc), with the same
// layout as in a bucket. The data goes to a .partial file that is renamed when complete; the manifest
// is written to a temporary file and renamed last, so a reader never sees half of either.
type DirTarget struct {
	Root   string // the volume's mount point
	Folder string // prefix/namespace/stack/backups/name
}

func (t *DirTarget) dir() string      { return filepath.Join(t.Root, filepath.FromSlash(t.Folder)) }
func (t *DirTarget) Location() string { return "file://" + t.dir() + "/" }

func (t *DirTarget) Check(ctx context.Context) error {
	if st, err := os.Stat(t.Root); err != nil || !st.IsDir() {
		return fmt.Errorf("backup volume %s is not a directory: %v", t.Root, err)
	}
	if _, err := os.Stat(filepath.Join(t.dir(), BackupManifestObject)); err == nil {
		return fmt.Errorf("%s already holds a complete backup (manifest.json exists); a backup name is used once", t.Location())
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return os.MkdirAll(t.dir(), 0o750)
}

func (t *DirTarget) OpenData(ctx context.Context) (DataWriter, error) {
	final := filepath.Join(t.dir(), BackupDataObject)
	f, err := os.OpenFile(final+".partial", os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return nil, err
	}
	return &dirData{f: f, final: final}, nil
}

func (t *DirTarget) WriteManifest(ctx context.Context, body []byte) error {
	final := filepath.Join(t.dir(), BackupManifestObject)
	if err := os.WriteFile(final+".tmp", body, 0o640); err != nil {
		return err
	}
	return os.Rename(final+".tmp", final)
}

type dirData struct {
	f     *os.File
	final string
	n     int64
}

func (d *dirData) Write(p []byte) (int, error) {
	n, err := d.f.Write(p)
	d.n += int64(n)
	return n, err
}

func (d *dirData) Commit(wantSize int64) error {
	if err := d.f.Sync(); err != nil {
		return err
	}
	if err := d.f.Close(); err != nil {
		return err
	}
	if d.n != wantSize {
		return fmt.Errorf("%s: wrote %d bytes, expected %d", d.final, d.n, wantSize)
	}
	return os.Rename(d.f.Name(), d.final)
}

// Abort removes the .partial file this run wrote (never a completed data object of another run).
func (d *dirData) Abort() error {
	d.f.Close()
	return os.Remove(d.f.Name())
}

// Delete removes one complete backup folder's two files, the manifest first (see S3Target.Delete).
func (t *DirTarget) Delete(ctx context.Context) error {
	manifest := filepath.Join(t.dir(), BackupManifestObject)
	if _, err := os.Stat(manifest); err != nil {
		return fmt.Errorf("%s holds no manifest.json: not a complete backup, nothing deleted", t.Location())
	}
	if err := os.Remove(manifest); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(t.dir(), BackupDataObject)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("manifest deleted, but the data object was not (it is no longer a backup): %w", err)
	}
	return os.Remove(t.dir())
}
