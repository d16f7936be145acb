package main

import (
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
