# The data plane (issue 4/5): what runs inside the database, proxy, nginx and keepalived pods.
# galera-agent (Go), the database start script (operator/src/main/resources/dataplane/), the
# images (images/*), and a real-process test of a three-node Galera cluster on loopback.
# See docs/dataplane.md.
DATAPLANE := hack/dataplane

.PHONY: dataplane-deps test-galera-agent test-dataplane dataplane-images test-dataplane-images test-backup

dataplane-deps: ## Debian packages for the data-plane test (mariadb-server galera-4 rsync socat haproxy jq curl shellcheck), installed if missing
	@$(DATAPLANE)/install-deps.sh

test-galera-agent: ## go vet + unit tests of galera-agent (parsing of grastate/recovery, health/live/bootstrap decisions)
	@cd galera-agent && go vet ./... && go test -count=1 ./...

test-dataplane: dataplane-deps test-galera-agent ## real 3-node MariaDB Galera on loopback via galera-start.sh -> galera-agent start + galera-agent + HAProxy: bootstrap, rejoin, full-crash recovery, failover
	@shellcheck -x -S warning operator/src/main/resources/dataplane/galera-start.sh $(DATAPLANE)/*.sh
	@$(DATAPLANE)/test-galera.sh

test-backup: dataplane-deps test-galera-agent ## galera-agent backup on loopback: one-node Galera + versitygw (S3) processes; backup, download, SHA-256 + manifest, restore (mbstream, --prepare, mariadbd) and count; refused/failed/interrupted runs leave no manifest and no open upload; the volume target (docs/backup.md)
	@shellcheck -x -S warning hack/backup/test-backup.sh
	@flock /tmp/ms-test-backup.lock hack/backup/test-backup.sh

dataplane-images: base-image ## build messagestack/{mariadb-galera:10.11,galera-agent,haproxy,nginx,keepalived}:dev from images/* (FROM messagestack/debian-base)
	@$(DATAPLANE)/build-images.sh

test-dataplane-images: dataplane-images ## the images in Docker laid out like pods: 3 db + agent sidecars, HAProxy, full crash + POST /bootstrap; nginx non-root on :80; keepalived
	@$(DATAPLANE)/test-images.sh

TEST_PHASES_DEFINED += test-dataplane test-backup
