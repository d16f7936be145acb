package io.messagestack.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.messagestack.operator.common.SpecLimits;

/**
 * spec.backup.retention (BackupRetention decides): a complete backup is deleted only when neither rule keeps it;
 * the newest complete backup is always kept.
 */
public class BackupRetentionSpec {
    @JsonPropertyDescription("Keep the newest N complete backups (1-" + SpecLimits.BACKUP_RETENTION_COUNT_MAX + ").")
    @Min(1)
    @Max(SpecLimits.BACKUP_RETENTION_COUNT_MAX)
    public Integer count;

    @JsonPropertyDescription("Keep complete backups that ended less than this long ago: a whole number of minutes,"
            + " hours or days, e.g. 90m, 720h, 30d (at most " + SpecLimits.BACKUP_MAX_AGE_MAX_DAYS + "d).")
    @Size(max = 8)
    @Pattern(SpecLimits.BACKUP_MAX_AGE_PATTERN)
    @ValidationRule(value = "!self.matches('^[0-9]+d$') || int(self.substring(0, self.size() - 1)) <= "
            + SpecLimits.BACKUP_MAX_AGE_MAX_DAYS, reason = "FieldValueInvalid",
            message = "spec.backup.retention.maxAge must be at most " + SpecLimits.BACKUP_MAX_AGE_MAX_DAYS + "d")
    @ValidationRule(value = "!self.matches('^[0-9]+h$') || int(self.substring(0, self.size() - 1)) <= "
            + (SpecLimits.BACKUP_MAX_AGE_MAX_DAYS * 24), reason = "FieldValueInvalid",
            message = "spec.backup.retention.maxAge must be at most " + (SpecLimits.BACKUP_MAX_AGE_MAX_DAYS * 24) + "h")
    @ValidationRule(value = "!self.matches('^[0-9]+m$') || int(self.substring(0, self.size() - 1)) <= "
            + (SpecLimits.BACKUP_MAX_AGE_MAX_DAYS * 24 * 60), reason = "FieldValueInvalid",
            message = "spec.backup.retention.maxAge must be at most " + (SpecLimits.BACKUP_MAX_AGE_MAX_DAYS * 24 * 60)
                    + "m")
    public String maxAge;
}
