# Backups on the kind lab (issue 14): the loopback tests of galera-agent backup/restore are
# test-backup (40-dataplane.mk); this is the same path on kind, through the operator and the plugin.
.PHONY: test-backup-kind

test-backup-kind: deploy-sample kubectl-plugin ## on kind: backup of the sample stack to the lab's object store, restore into a new stack in another namespace, identical rows on every node (hack/backup/kind-roundtrip.sh)
	@hack/backup/kind-roundtrip.sh

TEST_PHASES_DEFINED += test-backup-kind

# Point-in-time recovery on loopback (docs/pitr.md), like test-backup: not in TEST_PHASES yet.
.PHONY: test-pitr
test-pitr: dataplane-deps test-galera-agent ## PITR on loopback: one-node Galera with the PITR my.cnf + versitygw; galera-agent binlog-archive under a steady insert rate (recovery point lag per row), restart and rotation, the archive contiguous; restore of a base backup replayed to a time T (exactly the rows before T); binlog-plan refusals (before the first backup, after the archive, a gap) (hack/backup/test-pitr.sh)
	@shellcheck -x -S warning hack/backup/test-pitr.sh
	@$(LOOPBACK_LOCK) hack/backup/test-pitr.sh

# Point-in-time recovery on the kind lab through the operator (docs/pitr.md): not in TEST_PHASES (it turns PITR on
# for the sample stack, which rolls its database nodes, and runs the load client for a few minutes).
.PHONY: test-pitr-kind
test-pitr-kind: deploy-sample kubectl-plugin ## on kind: PITR on for the sample stack, a base backup, probe rows under the chaos load client (recovery point per row), a restore to a time T into a new stack with exactly the rows before T (hack/backup/kind-pitr.sh)
	@hack/backup/kind-pitr.sh
