package io.messagestack.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.ResourceRequirements;

public class FrontendSpec {
    @JsonPropertyDescription("Number of nginx pods.")
    @Default("2")
    @Min(0)
    public int replicas = 2;

    @JsonPropertyDescription("nginx image; empty means the operator's default.")
    public String image;

    @JsonPropertyDescription("CPU and memory for each nginx container.")
    public ResourceRequirements resources;

    @JsonPropertyDescription("How the page is exposed.")
    @Default("{}")
    @ValidationRule(value = "self.type != 'ClusterIP' || !has(self.nodePort)", fieldPath = ".nodePort",
            message = "spec.frontend.service.nodePort needs spec.frontend.service.type NodePort or LoadBalancer")
    public FrontendServiceSpec service = new FrontendServiceSpec();
}
