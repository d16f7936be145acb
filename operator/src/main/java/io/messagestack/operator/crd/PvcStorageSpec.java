package io.messagestack.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.messagestack.operator.common.SpecLimits;

/** spec.backup.storage.pvc. */
public class PvcStorageSpec {
    @JsonPropertyDescription("An existing PersistentVolumeClaim in the stack's namespace (the operator never creates"
            + " or deletes it).")
    @Required
    @Size(max = SpecLimits.OBJECT_NAME_MAX_LENGTH)
    @Pattern(SpecLimits.OBJECT_NAME_PATTERN)
    public String claimName;
}
