package io.messagestack.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.kubernetes.api.model.ResourceRequirements;

public class ProxySpec {
    @JsonPropertyDescription("Number of HAProxy pods.")
    @Default("2")
    @Min(0)
    public int replicas = 2;

    @JsonPropertyDescription("HAProxy image; empty means the operator's default.")
    public String image;

    @JsonPropertyDescription("CPU and memory for each HAProxy container.")
    public ResourceRequirements resources;
}
