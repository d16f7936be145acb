package io.messagestack.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.messagestack.operator.common.SpecLimits;

/** A Secret in the same namespace, by name. */
public class SecretRef {
    @JsonPropertyDescription("Name of the Secret in the stack's namespace.")
    @Required
    @Size(max = SpecLimits.OBJECT_NAME_MAX_LENGTH)
    @Pattern(SpecLimits.OBJECT_NAME_PATTERN)
    public String name;

    public SecretRef() {
    }

    public SecretRef(String name) {
        this.name = name;
    }
}
