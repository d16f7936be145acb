package main

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
)

func TestS3RefusalNamesTheCause(t *testing.T) {
	cases := []struct{ code, want string }{
		{"", ""},
		{"NoSuchBucket", "the bucket does not exist"},
		{"InvalidAccessKeyId", "does not know the access key (InvalidAccessKeyId)"},
		{"XAdminUserNotFound", "does not know the access key (XAdminUserNotFound)"},
		{"SignatureDoesNotMatch", "the secret key does not match"},
		{"AccessDenied", "may not use this bucket"},
		{"SlowDown", "refused the bucket (SlowDown)"},
	}
	for _, c := range cases {
		got := s3Refusal(c.code)
		if (c.want == "" && got != "") || !strings.Contains(got, c.want) {
			t.Errorf("s3Refusal(%q) = %q, want it to contain %q", c.code, got, c.want)
		}
	}
}

func TestS3UnreachableOnlyForErrorsWithoutAnAnswer(t *testing.T) {
	dns := fmt.Errorf("operation error S3: HeadBucket: %w", &net.DNSError{Name: "objectstore.nowhere.svc", Err: "no such host"})
	refused := fmt.Errorf("operation error S3: HeadBucket: %w", &net.OpError{Op: "dial", Err: errors.New("connect: connection refused")})
	cases := []struct {
		err  error
		want string
	}{
		{dns, "does not resolve (objectstore.nowhere.svc)"},
		{refused, "cannot be reached (dial: connect: connection refused)"},
		{errors.New("api error NotFound: Not Found"), ""},
	}
	for _, c := range cases {
		got := s3Unreachable(c.err)
		if (c.want == "" && got != "") || !strings.Contains(got, c.want) {
			t.Errorf("s3Unreachable(%v) = %q, want it to contain %q", c.err, got, c.want)
		}
	}
}
