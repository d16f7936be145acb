package io.messagestack.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

public class FrontendServiceSpec {
    public enum Type { ClusterIP, NodePort, LoadBalancer }

    @JsonPropertyDescription("Service type of the frontend: ClusterIP, NodePort (default) or LoadBalancer.")
    @Default("NodePort")
    public Type type = Type.NodePort;

    @JsonPropertyDescription("Fixed node port (30000-32767); empty lets Kubernetes choose.")
    @Min(30000)
    @Max(32767)
    public Integer nodePort;
}
