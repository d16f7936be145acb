package io.messagestack.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.messagestack.operator.common.SpecLimits;

/**
 * spec.database.restore: a NEW stack's first node is filled from one complete backup (galera-agent restore in an
 * init container), then the stack bootstraps from it and the other nodes join by state transfer. Exactly one of
 * backup and location; set only when the stack is created and never changed (CEL rules on the field, and
 * SpecValidation). With pointInTime, the backup is the base and the archived binary logs of its stack are replayed
 * up to that time (docs/pitr.md); the init container refuses a time the archive does not reach.
 */
public class RestoreSpec {

    @JsonPropertyDescription("A Completed MessageStackBackup in this namespace; its stack's spec.backup.storage says"
            + " where it is.")
    @Size(max = SpecLimits.OBJECT_NAME_MAX_LENGTH)
    @Pattern(SpecLimits.OBJECT_NAME_PATTERN)
    public String backup;

    @JsonPropertyDescription("A backup in a store, given by its storage and folder (a backup of another namespace,"
            + " cluster, or of a deleted stack).")
    @io.fabric8.generator.annotation.ValidationRule(value = "has(self.s3) != has(self.pvc)", reason = "FieldValueInvalid",
            message = "spec.database.restore.location: set exactly one of s3 and pvc")
    public RestoreLocationSpec location;

    @JsonPropertyDescription("Restore to this time (RFC 3339, e.g. 2026-12-06T14:30:00Z): the backup, then every"
            + " archived transaction that started before it, nothing after. It must be at or after the backup's end"
            + " and covered by its stack's binary log archive (spec.backup.pointInTimeRecovery); refused otherwise,"
            + " with the reason. MariaDB Galera only.")
    @Size(max = SpecLimits.POINT_IN_TIME_MAX_LENGTH)
    @Pattern(SpecLimits.POINT_IN_TIME_PATTERN)
    public String pointInTime;
}
