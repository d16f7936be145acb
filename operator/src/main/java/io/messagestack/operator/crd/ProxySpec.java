package io.messagestack.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.messagestack.operator.common.SpecLimits;
import io.fabric8.kubernetes.api.model.ResourceRequirements;

public class ProxySpec {
    @JsonPropertyDescription("Number of HAProxy pods: " + SpecLimits.PROXY_REPLICAS_MIN + " to " + SpecLimits.PROXY_REPLICAS_MAX + ".")
    @Default("2")
    @Min(SpecLimits.PROXY_REPLICAS_MIN)
    @Max(SpecLimits.PROXY_REPLICAS_MAX)
    public int replicas = 2;

    @JsonPropertyDescription("HAProxy image; empty means the operator's default.")
    @Pattern(SpecLimits.IMAGE_PATTERN)
    @Size(max = SpecLimits.IMAGE_MAX_LENGTH)
    public String image;

    @JsonPropertyDescription("CPU and memory for each HAProxy container.")
    @SchemaFrom(type = ResourcesSchema.class)
    @ValidationRule(value = SpecLimits.RESOURCES_RULE_POSITIVE_CEL,
            message = "spec.proxy.resources: every cpu, memory and ephemeral-storage amount must be a positive"
                    + " quantity such as 100m or 128Mi")
    @ValidationRule(value = SpecLimits.RESOURCES_RULE_LIMITS_CEL,
            message = "spec.proxy.resources.limits must not be below spec.proxy.resources.requests")
    public ResourceRequirements resources;
}
