package io.messagestack.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.messagestack.operator.common.SpecLimits;

/** spec.database.restore.location: exactly one of s3 and pvc, and the backup's folder in it. */
public class RestoreLocationSpec {

    @JsonPropertyDescription("The S3-compatible store holding the backup (as spec.backup.storage.s3; the prefix is"
            + " the folder the stacks' folders are in).")
    public S3StorageSpec s3;

    @JsonPropertyDescription("A PersistentVolumeClaim in this namespace holding the backup (mounted read-only).")
    public PvcStorageSpec pvc;

    @JsonPropertyDescription("The backup's folder under the prefix (or the claim's root): NAMESPACE/STACK/backups/BACKUP,"
            + " the layout galera-agent backup writes.")
    @Required
    @Size(max = SpecLimits.RESTORE_PATH_MAX_LENGTH)
    @Pattern(SpecLimits.RESTORE_PATH_PATTERN)
    public String path;
}
