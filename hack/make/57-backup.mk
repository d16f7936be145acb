# Backups on the kind lab (issue 14): the loopback tests of galera-agent backup/restore are
# test-backup (40-dataplane.mk); this is the same path on kind, through the operator and the plugin.
.PHONY: test-backup-kind

test-backup-kind: deploy-sample kubectl-plugin ## on kind: backup of the sample stack to the lab's object store, restore into a new stack in another namespace, identical rows on every node (hack/backup/kind-roundtrip.sh)
	@hack/backup/kind-roundtrip.sh

TEST_PHASES_DEFINED += test-backup-kind
