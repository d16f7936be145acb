package io.messagestack.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.kubernetes.api.model.ResourceRequirements;

public class ApiSpec {
    @JsonPropertyDescription("Number of message-api pods.")
    @Default("2")
    @Min(0)
    public int replicas = 2;

    @JsonPropertyDescription("message-api image; empty means the operator's default.")
    public String image;

    @JsonPropertyDescription("CPU and memory for each message-api container.")
    public ResourceRequirements resources;
}
