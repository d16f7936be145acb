package io.messagestack.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

/**
 * spec.backup.pointInTimeRecovery: the nodes write binary logs and one archiver (a single-replica Deployment that
 * follows a Synced node) stores them next to the backups (docs/pitr.md). MariaDB Galera only: the CRD rule on the
 * MessageStack and SpecValidation refuse it for Percona XtraDB Cluster.
 */
public class PointInTimeRecoverySpec {
    @JsonPropertyDescription("Archive the binary logs continuously next to the backups, so that a new stack can be"
            + " restored to any second after a backup (spec.database.restore.pointInTime). MariaDB Galera only.")
    @Default("false")
    public boolean enabled = false;
}
