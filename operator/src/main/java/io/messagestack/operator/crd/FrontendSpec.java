package io.messagestack.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.messagestack.operator.common.SpecLimits;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.ResourceRequirements;

public class FrontendSpec {
    @JsonPropertyDescription("Number of nginx pods: " + SpecLimits.FRONTEND_REPLICAS_MIN + " to " + SpecLimits.FRONTEND_REPLICAS_MAX + ".")
    @Default("2")
    @Min(SpecLimits.FRONTEND_REPLICAS_MIN)
    @Max(SpecLimits.FRONTEND_REPLICAS_MAX)
    public int replicas = 2;

    @JsonPropertyDescription("nginx image; empty means the operator's default.")
    @Pattern(SpecLimits.IMAGE_PATTERN)
    @Size(max = SpecLimits.IMAGE_MAX_LENGTH)
    public String image;

    @JsonPropertyDescription("CPU and memory for each nginx container.")
    @SchemaFrom(type = ResourcesSchema.class)
    @ValidationRule(value = SpecLimits.RESOURCES_RULE_POSITIVE_CEL,
            message = "spec.frontend.resources: every cpu, memory and ephemeral-storage amount must be a positive"
                    + " quantity such as 100m or 128Mi")
    @ValidationRule(value = SpecLimits.RESOURCES_RULE_LIMITS_CEL,
            message = "spec.frontend.resources.limits must not be below spec.frontend.resources.requests")
    public ResourceRequirements resources;

    @JsonPropertyDescription("How the page is exposed.")
    @Default("{}")
    @ValidationRule(value = "self.type != 'ClusterIP' || !has(self.nodePort)", fieldPath = ".nodePort",
            message = "spec.frontend.service.nodePort needs spec.frontend.service.type NodePort or LoadBalancer")
    public FrontendServiceSpec service = new FrontendServiceSpec();
}
