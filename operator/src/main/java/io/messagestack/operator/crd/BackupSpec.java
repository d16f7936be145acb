package io.messagestack.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.messagestack.operator.backup.BackupSchedule;
import io.messagestack.operator.common.SpecLimits;

/** spec.backup: where physical backups go, when they are taken, how long they are kept (docs/backup.md). */
public class BackupSpec {

    @JsonPropertyDescription("Where backups are written: an S3-compatible bucket (s3) or a PersistentVolumeClaim"
            + " (pvc); exactly one.")
    @Required
    @ValidationRule(value = "has(self.s3) != has(self.pvc)", reason = "FieldValueInvalid",
            message = "spec.backup.storage must set exactly one of s3 and pvc")
    public BackupStorageSpec storage;

    @JsonPropertyDescription("When scheduled backups are taken: a five-field cron expression in UTC (minute hour"
            + " day-of-month month day-of-week, e.g. '0 3 * * *') or @hourly, @daily, @midnight, @weekly, @monthly."
            + " Empty: on-demand backups only (a MessageStackBackup).")
    @Size(max = BackupSchedule.MAX_LENGTH)
    @Pattern(SpecLimits.BACKUP_SCHEDULE_PATTERN)
    public String schedule;

    @JsonPropertyDescription("Which complete backups the operator deletes. Unset: none, ever.")
    public BackupRetentionSpec retention;

    @JsonPropertyDescription("Point-in-time recovery (binary log archiving). Not built yet: must stay disabled.")
    @Default("{}")
    public PointInTimeRecoverySpec pointInTimeRecovery = new PointInTimeRecoverySpec();
}
