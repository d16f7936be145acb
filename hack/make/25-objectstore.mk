# The lab's S3-compatible object store (issue 14): versitygw (posix backend on a PVC) in namespace
# messagestack-objectstore, with generated credentials in a Secret and the lab bucket. It is
# where the lab's backups go, standing in for any S3-compatible storage. See docs/backup.md.
.PHONY: objectstore test-objectstore

objectstore: cluster base-image ## S3 object store on the lab: versitygw image (built from the Go module proxy, cached), Secret with generated keys, StatefulSet + PVC, lab bucket
	@hack/lab/objectstore.sh up

test-objectstore: objectstore ## from a pod in the lab: wrong credentials refused, bucket create/list, put/get with SHA-256 check, a 32 MiB object; prints the store's memory and disk
	@hack/lab/objectstore.sh test

TEST_PHASES_DEFINED += test-objectstore
