package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// BackupSource reads one backup folder (the restore side of BackupTarget). Restores only read:
// nothing here writes to or deletes from the store.
type BackupSource interface {
	// Open returns the object's body; errMissingObject when the folder has no such object.
	Open(ctx context.Context, object string) (io.ReadCloser, error)
	Location() string
}

var errMissingObject = errors.New("no such object")

func (t *S3Target) Open(ctx context.Context, object string) (io.ReadCloser, error) {
	out, err := t.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(t.Bucket), Key: aws.String(t.key(object))})
	if err != nil {
		var nk *s3types.NoSuchKey
		var nf *s3types.NotFound
		if errors.As(err, &nk) || errors.As(err, &nf) {
			return nil, fmt.Errorf("%s%s: %w", t.Location(), object, errMissingObject)
		}
		return nil, fmt.Errorf("reading %s%s: %w", t.Location(), object, err)
	}
	return out.Body, nil
}

func (t *DirTarget) Open(ctx context.Context, object string) (io.ReadCloser, error) {
	f, err := os.Open(filepath.Join(t.dir(), object))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s%s: %w", t.Location(), object, errMissingObject)
	}
	return f, err
}
