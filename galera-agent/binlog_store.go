package main

// Where binary log segments go: the same S3 bucket or volume as the backups, through the backup's targets
// (S3Target, DirTarget; their Folder is [prefix/]namespace/stack/binlogs/GALERA_UUID). A segment is one object,
// written whole or not at all: one PUT (S3), or a .partial file renamed (volume).

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// ArchiveStore is one folder of objects.
type ArchiveStore interface {
	PutObject(ctx context.Context, name string, body []byte) error
	ListObjects(ctx context.Context) ([]string, error) // names relative to the folder
	GetObject(ctx context.Context, name string) ([]byte, error)
	ListObjectSizes(ctx context.Context) (map[string]int64, error) // name -> bytes, the same names as ListObjects
	DeleteObject(ctx context.Context, name string) error           // archive retention only; an absent object is no error
	Location() string
}

func (t *S3Target) PutObject(ctx context.Context, name string, body []byte) error {
	_, err := t.Client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(t.Bucket), Key: aws.String(t.key(name)),
		Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(len(body))),
		ContentType: aws.String("application/octet-stream"),
	})
	if err != nil {
		return fmt.Errorf("uploading %s: %w", t.key(name), err)
	}
	return nil
}

func (t *S3Target) ListObjects(ctx context.Context) ([]string, error) {
	sizes, err := t.ListObjectSizes(ctx)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(sizes))
	for name := range sizes {
		names = append(names, name)
	}
	sort.Strings(names)
	return names, nil
}

func (t *S3Target) ListObjectSizes(ctx context.Context) (map[string]int64, error) {
	prefix := t.Folder + "/"
	sizes := map[string]int64{}
	p := s3.NewListObjectsV2Paginator(t.Client, &s3.ListObjectsV2Input{Bucket: aws.String(t.Bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing s3://%s/%s: %w", t.Bucket, prefix, err)
		}
		for _, o := range page.Contents {
			if name := strings.TrimPrefix(aws.ToString(o.Key), prefix); !strings.Contains(name, "/") {
				sizes[name] = aws.ToInt64(o.Size)
			}
		}
	}
	return sizes, nil
}

// DeleteObject removes one object of the folder (S3 answers a DELETE of an absent key with success).
func (t *S3Target) DeleteObject(ctx context.Context, name string) error {
	if _, err := t.Client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(t.Bucket), Key: aws.String(t.key(name))}); err != nil {
		return fmt.Errorf("deleting %s: %w", t.key(name), err)
	}
	return nil
}

func (t *S3Target) GetObject(ctx context.Context, name string) ([]byte, error) {
	out, err := t.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(t.Bucket), Key: aws.String(t.key(name))})
	if err != nil {
		return nil, fmt.Errorf("downloading %s: %w", t.key(name), err)
	}
	defer out.Body.Close()
	return io.ReadAll(out.Body)
}

func (t *DirTarget) PutObject(ctx context.Context, name string, body []byte) error {
	if err := os.MkdirAll(t.dir(), 0o750); err != nil {
		return err
	}
	final := filepath.Join(t.dir(), name)
	f, err := os.OpenFile(final+".partial", os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	_, err = f.Write(body)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(final + ".partial")
		return fmt.Errorf("writing %s: %w", final, err)
	}
	return os.Rename(final+".partial", final)
}

func (t *DirTarget) ListObjects(ctx context.Context) ([]string, error) {
	entries, err := os.ReadDir(t.dir())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

func (t *DirTarget) ListObjectSizes(ctx context.Context) (map[string]int64, error) {
	entries, err := os.ReadDir(t.dir())
	if errors.Is(err, os.ErrNotExist) {
		return map[string]int64{}, nil
	}
	if err != nil {
		return nil, err
	}
	sizes := map[string]int64{}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if errors.Is(err, os.ErrNotExist) {
			continue // gone since the listing
		}
		if err != nil {
			return nil, err
		}
		sizes[e.Name()] = info.Size()
	}
	return sizes, nil
}

// DeleteObject removes one file of the folder; one already gone is no error.
func (t *DirTarget) DeleteObject(ctx context.Context, name string) error {
	if err := os.Remove(filepath.Join(t.dir(), name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("deleting %s: %w", filepath.Join(t.dir(), name), err)
	}
	return nil
}

func (t *DirTarget) GetObject(ctx context.Context, name string) ([]byte, error) {
	return os.ReadFile(filepath.Join(t.dir(), name))
}

// openArchiveStore: the folder of one Galera history's segments, in the bucket or on the volume.
func openArchiveStore(env Env, folder string) (ArchiveStore, error) {
	if endpoint := env("S3_ENDPOINT"); endpoint != "" {
		if env("BINLOG_DIR") != "" {
			return nil, errors.New("set S3_ENDPOINT or BINLOG_DIR, not both")
		}
		c := s3FromEnv(env, endpoint, folder)
		if c.Bucket == "" {
			return nil, errors.New("S3_BUCKET is not set")
		}
		return NewS3Target(*c)
	}
	if dir := env("BINLOG_DIR"); dir != "" {
		return &DirTarget{Root: dir, Folder: folder}, nil
	}
	return nil, errors.New("neither S3_ENDPOINT nor BINLOG_DIR is set: nowhere to archive")
}
