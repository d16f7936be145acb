# Backups on the kind lab (issue 14): the loopback tests of galera-agent backup/restore are
# test-backup (40-dataplane.mk); this is the same path on kind, through the operator and the plugin.
.PHONY: test-backup-kind

test-backup-kind: deploy-sample kubectl-plugin ## on kind: backup of the sample stack to the lab's object store, restore into a new stack in another namespace, identical rows on every node (hack/backup/kind-roundtrip.sh)
	@hack/backup/kind-roundtrip.sh

TEST_PHASES_DEFINED += test-backup-kind

# Point-in-time recovery on loopback (docs/pitr.md), like test-backup: not in TEST_PHASES yet.
.PHONY: test-pitr
test-pitr: dataplane-deps test-galera-agent ## PITR on loopback: one-node Galera with the PITR my.cnf + versitygw; galera-agent binlog-archive under a steady insert rate (recovery point lag per row), restart and rotation, the archive contiguous; restore of a base backup replayed to a time T (exactly the rows before T); binlog-plan refusals (before the first backup, after the archive, a gap); statements the server does not log and account statements across the archive; archive retention after a backup's deletion (hack/backup/test-pitr.sh)
	@shellcheck -x -S warning hack/backup/test-pitr.sh
	@$(LOOPBACK_LOCK) hack/backup/test-pitr.sh

# Point-in-time recovery on the kind lab through the operator (docs/pitr.md): not in TEST_PHASES (it turns PITR on
# for the sample stack, which rolls its database nodes, and runs the load client for a few minutes).
.PHONY: test-pitr-kind
test-pitr-kind: deploy-sample kubectl-plugin ## on kind: PITR on for the sample stack, a base backup, probe rows under the chaos load client (recovery point per row), a restore to a time T into a new stack with exactly the rows before T (hack/backup/kind-pitr.sh)
	@hack/backup/kind-pitr.sh

# The volume target, retention and failures on kind, on a small stack of its own (namespace messagestack-backup-kind):
# not in TEST_PHASES (about 8 minutes, most of it waiting for retention's reconciles and the failed Job's retries).
.PHONY: test-backup-targets-kind
test-backup-targets-kind: objectstore deploy-operator ## on kind: backups to a PVC and a restore from it, retention count/age deleting exactly what the policy says, wrong keys and a missing bucket ending Failed with the reason and nothing touched (hack/backup/kind-targets.sh)
	@shellcheck -x -S warning hack/backup/kind-targets.sh
	@hack/backup/kind-targets.sh

# Restore time by data size (10k, 100k, 1M rows) on kind through the operator: a bench, not a test.
.PHONY: bench-restore
bench-restore: objectstore deploy-operator ## on kind: restore time of backups of 10k, 100k and 1M rows into new 3-node stacks (bench/restore-time.sh; ROWS="10000 100000" for fewer)
	@bench/restore-time.sh $(ROWS)
