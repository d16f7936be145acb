# The data plane (issue 4/5): what runs inside the database, proxy, nginx and keepalived pods.
# galera-agent (Go), the database start script (operator/src/main/resources/dataplane/), the
# images (images/*), and a real-process test of a three-node Galera cluster on loopback.
# See docs/dataplane.md.
DATAPLANE := hack/dataplane

.PHONY: dataplane-deps test-galera-agent test-dataplane test-connection-limit dataplane-images test-dataplane-images test-backup recovery-decider product-configs test-recovery

dataplane-deps: ## Debian packages for the data-plane test (mariadb-server galera-4 rsync socat haproxy jq curl shellcheck), installed if missing
	@$(DATAPLANE)/install-deps.sh

test-galera-agent: ## go vet + unit tests of galera-agent (parsing of grastate/recovery, health/live/bootstrap decisions)
	@cd galera-agent && go vet ./... && go test -count=1 ./...

test-dataplane: dataplane-deps test-galera-agent product-configs ## real 3-node MariaDB Galera on loopback via galera-start.sh -> galera-agent start + galera-agent + HAProxy, on the operator's rendered my.cnf and haproxy.cfg: bootstrap, rejoin, full-crash recovery, failover
	@shellcheck -x -S warning operator/src/main/resources/dataplane/galera-start.sh $(DATAPLANE)/*.sh
	@$(DATAPLANE)/test-galera.sh

test-connection-limit: dataplane-deps product-configs ## one real mariadbd on the operator's my.cnf: the application's connections fill max_connections; the agent (on MariaDB's extra_port) still answers /health 200, one on the application's port 503
	@shellcheck -x -S warning $(DATAPLANE)/test-connection-limit.sh
	@flock /tmp/ms-test-connection-limit.lock $(DATAPLANE)/test-connection-limit.sh

test-backup: dataplane-deps test-galera-agent ## galera-agent backup on loopback: one-node Galera + versitygw (S3) processes; backup, download, SHA-256 + manifest, restore (mbstream, --prepare, mariadbd) and count; refused/failed/interrupted runs leave no manifest and no open upload; the volume target; galera-agent restore into a new two-node stack (refusals leave the datadir untouched; rows + CHECKSUM TABLE) (docs/backup.md)
	@shellcheck -x -S warning hack/backup/test-backup.sh
	@flock /tmp/ms-test-backup.lock hack/backup/test-backup.sh

# The operator's full-crash decision as a command (RecoveryDecisionCli in the operator's test sources,
# over FullCrashRecovery.decide), for the recovery suite: compiled classes + the classpath in a file
# (the operator's test classpath; product-configs runs on it too).
RECOVERY_DECIDER_CP := operator/target/recovery-decider.classpath
recovery-decider: ## compile the operator (main + test classes) and write the classpath of RecoveryDecisionCli (the operator's FullCrashRecovery.decide as a command)
	@$(OPERATOR_MVN) test-compile
	@$(OPERATOR_MVN) dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=$(CURDIR)/$(RECOVERY_DECIDER_CP)

# The configs the operator deploys, as files, for the loopback data plane (hack/dataplane/loopback-config.sh):
# ProductConfigCli (operator test sources) writes the my.cnf of the database ConfigMap, the haproxy.cfg
# of the proxy ConfigMap and the frontend ConfigMap's nginx.conf and nginx-start.sh for PRODUCT_CONFIG_STACK,
# built by DatabaseCluster#config, DatabaseProxy#config and Frontend#config.
PRODUCT_CONFIG_STACK ?= deploy/samples/messagestack-kind.yaml
PRODUCT_CONFIGS := operator/target/product-configs
product-configs: recovery-decider ## render the operator's my.cnf, haproxy.cfg, nginx.conf and nginx-start.sh for PRODUCT_CONFIG_STACK (default: the kind sample) into operator/target/product-configs
	@java -cp operator/target/classes:operator/target/test-classes:$$(cat $(RECOVERY_DECIDER_CP)) \
		io.messagestack.operator.reconcile.ProductConfigCli $(PRODUCT_CONFIG_STACK) $(CURDIR)/$(PRODUCT_CONFIGS)

test-recovery: dataplane-deps test-galera-agent recovery-decider product-configs ## recovery regression suite on real processes (ports 15xxx): aborted SST, seqno 0, unknown newest, minority history, SIGKILL in --wsrep-recover, agent back, empty volume, decider killed, concurrent bootstrap; the operator's own decision code
	@shellcheck -x -S warning $(DATAPLANE)/test-recovery.sh
	@flock /tmp/messagestack-test-recovery.lock $(DATAPLANE)/test-recovery.sh

dataplane-images: base-image ## build messagestack/{mariadb-galera:10.11,galera-agent,haproxy,nginx,keepalived}:dev from images/* (FROM messagestack/debian-base)
	@$(DATAPLANE)/build-images.sh

test-dataplane-images: dataplane-images ## the images in Docker laid out like pods: 3 db + agent sidecars, HAProxy, full crash + POST /bootstrap; nginx non-root on :80; keepalived
	@$(DATAPLANE)/test-images.sh

TEST_PHASES_DEFINED += test-dataplane test-backup
