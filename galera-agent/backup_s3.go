package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// S3Target writes a backup folder to an S3-compatible store: the data object by multipart upload
// (SigV4, path-style), then manifest.json by a single PUT. The keys come from the environment only.
type S3Target struct {
	Client   *s3.Client
	Bucket   string
	Folder   string // prefix/namespace/stack/backups/name, no trailing slash
	Endpoint string
	partSize int
}

// S3Config is what the backup Job's environment gives (docs/backup.md).
type S3Config struct {
	Endpoint, Bucket, Region, Folder string
	AccessKey, SecretKey             string
	CAFile                           string
	Insecure                         bool // S3_TLS_VERIFY=false
	PartSize                         int  // bytes of each uploaded part (BACKUP_PART_MB, 5-512; default 16)
}

func NewS3Target(c S3Config) (*S3Target, error) {
	if c.AccessKey == "" || c.SecretKey == "" {
		return nil, errors.New("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set (from the credentials Secret)")
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("S3_CA_FILE: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("S3_CA_FILE %s holds no PEM certificate", c.CAFile)
		}
		tr.TLSClientConfig.RootCAs = pool
	}
	tr.TLSClientConfig.InsecureSkipVerify = c.Insecure
	client := s3.New(s3.Options{
		Region:       c.Region,
		BaseEndpoint: aws.String(strings.TrimSuffix(c.Endpoint, "/")),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(c.AccessKey, c.SecretKey, ""),
		HTTPClient:   &http.Client{Transport: tr},
		// Only the checksums S3 requires: stores other than AWS (and older AWS-compatible ones)
		// refuse or ignore the newer trailing checksums. Integrity: SigV4 signs each part's SHA-256
		// (x-amz-content-sha256), and the manifest carries the whole object's SHA-256.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
		RetryMaxAttempts:           5,
	})
	part := c.PartSize
	if part == 0 {
		part = defaultPartSize
	}
	return &S3Target{Client: client, Bucket: c.Bucket, Folder: c.Folder, Endpoint: c.Endpoint, partSize: part}, nil
}

func (t *S3Target) key(object string) string { return t.Folder + "/" + object }

func (t *S3Target) Location() string { return "s3://" + t.Bucket + "/" + t.Folder + "/" }

// Check fails early, before the database is touched, when the bucket cannot be reached or written,
// or when the folder already holds a manifest (a backup name is used once).
func (t *S3Target) Check(ctx context.Context) error {
	if _, err := t.Client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(t.Bucket)}); err != nil {
		why := s3Unreachable(err)
		if why == "" {
			why = t.whyRefused(ctx)
		}
		return fmt.Errorf("bucket %s at %s: %s%w", t.Bucket, t.Endpoint, why, err)
	}
	_, err := t.Client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(t.Bucket), Key: aws.String(t.key(BackupManifestObject))})
	if err == nil {
		return fmt.Errorf("%s already holds a complete backup (manifest.json exists); a backup name is used once", t.Location())
	}
	var nf *s3types.NotFound
	if !errors.As(err, &nf) {
		return fmt.Errorf("checking %s: %w", t.key(BackupManifestObject), err)
	}
	return nil
}

// whyRefused asks again with a request whose error answer has a body: a HEAD answer has none, so the
// store's error code is lost and a wrong key reads like a missing bucket (versitygw answers both with
// 404). The reason, followed by "; ", or "" when the second request gives no code either.
func (t *S3Target) whyRefused(ctx context.Context) string {
	_, err := t.Client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(t.Bucket), MaxKeys: aws.Int32(1)})
	var api smithy.APIError
	if err == nil || !errors.As(err, &api) {
		return ""
	}
	if why := s3Refusal(api.ErrorCode()); why != "" {
		return why + "; "
	}
	return ""
}

// s3Unreachable: "the endpoint cannot be reached...; " when err never got an answer from a store (a name that
// does not resolve, a refused or timed-out connection), else "".
func s3Unreachable(err error) string {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return "the endpoint's host name does not resolve (" + dns.Name + "): check spec.backup.storage.s3.endpoint; "
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return "the endpoint cannot be reached (" + op.Op + ": " + op.Err.Error() + "): check spec.backup.storage.s3.endpoint and the network; "
	}
	return ""
}

// s3Refusal says in a person's words what an S3 error code means for a backup target.
func s3Refusal(code string) string {
	switch code {
	case "":
		return ""
	case "NoSuchBucket":
		return "the bucket does not exist (NoSuchBucket): create it or fix spec.backup.storage.s3.bucket"
	case "InvalidAccessKeyId", "XAdminUserNotFound":
		return "the store does not know the access key (" + code + "): check the credentials Secret"
	case "SignatureDoesNotMatch":
		return "the secret key does not match the access key (SignatureDoesNotMatch): check the credentials Secret"
	case "AccessDenied":
		return "the credentials may not use this bucket (AccessDenied)"
	default:
		return "the store refused the bucket (" + code + ")"
	}
}

// OpenData starts the multipart upload of the data object.
func (t *S3Target) OpenData(ctx context.Context) (DataWriter, error) {
	out, err := t.Client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: aws.String(t.Bucket), Key: aws.String(t.key(BackupDataObject)),
		ContentType: aws.String("application/zstd"),
	})
	if err != nil {
		return nil, fmt.Errorf("starting the upload of %s: %w", t.key(BackupDataObject), err)
	}
	return &s3Upload{t: t, ctx: ctx, uploadID: aws.ToString(out.UploadId), partSize: t.partSize}, nil
}

// WriteManifest is the last write of a backup.
func (t *S3Target) WriteManifest(ctx context.Context, body []byte) error {
	_, err := t.Client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(t.Bucket), Key: aws.String(t.key(BackupManifestObject)),
		Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(len(body))),
		ContentType: aws.String("application/json"),
	})
	return err
}

// defaultPartSize: S3 parts are at least 5 MiB (but the last) and at most 10,000; the part size
// doubles every 2,000 parts, so the limit is far beyond any volume this operator allows (64Ti).
// One part is held in memory at a time.
const defaultPartSize = 16 << 20

type s3Upload struct {
	t        *S3Target
	ctx      context.Context
	uploadID string
	buf      []byte
	partSize int
	parts    []s3types.CompletedPart
	size     int64
	closed   bool
}

func (u *s3Upload) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		room := u.partSize - len(u.buf)
		take := min(room, len(p))
		u.buf = append(u.buf, p[:take]...)
		p = p[take:]
		if len(u.buf) == u.partSize {
			if err := u.flush(); err != nil {
				return n - len(p), err
			}
		}
	}
	return n, nil
}

func (u *s3Upload) flush() error {
	num := int32(len(u.parts) + 1)
	if num > 10000 {
		return errors.New("more than 10,000 parts")
	}
	out, err := u.t.Client.UploadPart(u.ctx, &s3.UploadPartInput{
		Bucket: aws.String(u.t.Bucket), Key: aws.String(u.t.key(BackupDataObject)),
		UploadId: aws.String(u.uploadID), PartNumber: aws.Int32(num),
		Body: bytes.NewReader(u.buf), ContentLength: aws.Int64(int64(len(u.buf))),
	})
	if err != nil {
		return fmt.Errorf("uploading part %d (%d bytes): %w", num, len(u.buf), err)
	}
	u.parts = append(u.parts, s3types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(num)})
	u.size += int64(len(u.buf))
	u.buf = u.buf[:0]
	if num%2000 == 0 {
		u.partSize *= 2
	}
	return nil
}

// Commit uploads the last part, completes the upload and checks the stored size.
func (u *s3Upload) Commit(wantSize int64) error {
	if len(u.buf) > 0 || len(u.parts) == 0 {
		if err := u.flush(); err != nil {
			return err
		}
	}
	key := u.t.key(BackupDataObject)
	_, err := u.t.Client.CompleteMultipartUpload(u.ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(u.t.Bucket), Key: aws.String(key), UploadId: aws.String(u.uploadID),
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: u.parts},
	})
	if err != nil {
		return fmt.Errorf("completing the upload of %s: %w", key, err)
	}
	u.closed = true
	head, err := u.t.Client.HeadObject(u.ctx, &s3.HeadObjectInput{Bucket: aws.String(u.t.Bucket), Key: aws.String(key)})
	if err != nil {
		return fmt.Errorf("reading back %s: %w", key, err)
	}
	if got := aws.ToInt64(head.ContentLength); got != wantSize || u.size != wantSize {
		return fmt.Errorf("%s: the store holds %d bytes, %d were uploaded, %d written", key, got, u.size, wantSize)
	}
	return nil
}

// Abort removes the parts of an unfinished upload, so that nothing half-written stays behind (no
// manifest is written either way). It uses its own context: the backup's may be cancelled already.
// A data object that was completed but failed its size check is deleted (it is ours, never complete).
func (u *s3Upload) Abort() error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if u.closed {
		_, err := u.t.Client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(u.t.Bucket), Key: aws.String(u.t.key(BackupDataObject))})
		return err
	}
	_, err := u.t.Client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
		Bucket: aws.String(u.t.Bucket), Key: aws.String(u.t.key(BackupDataObject)), UploadId: aws.String(u.uploadID),
	})
	return err
}

// Delete removes one complete backup: the manifest first (from then on the folder is not a backup, even if
// the next step fails), then the data object. It refuses a folder without a manifest: retention deletes only
// complete backups, and an incomplete folder is left for a person to look at.
func (t *S3Target) Delete(ctx context.Context) error {
	manifest := t.key(BackupManifestObject)
	if _, err := t.Client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(t.Bucket), Key: aws.String(manifest)}); err != nil {
		var nf *s3types.NotFound
		if errors.As(err, &nf) {
			return fmt.Errorf("%s holds no manifest.json: not a complete backup, nothing deleted", t.Location())
		}
		return fmt.Errorf("checking %s: %w", manifest, err)
	}
	if _, err := t.Client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(t.Bucket), Key: aws.String(manifest)}); err != nil {
		return fmt.Errorf("deleting %s: %w", manifest, err)
	}
	data := t.key(BackupDataObject)
	if _, err := t.Client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(t.Bucket), Key: aws.String(data)}); err != nil {
		return fmt.Errorf("manifest deleted, but deleting %s failed (it is no longer a backup; delete it by hand): %w", data, err)
	}
	return nil
}
