package io.messagestack.operator.common;

import io.messagestack.operator.crd.MessageStack;
import io.messagestack.operator.crd.MessageStackSpec;

/** What every model class needs to know about the stack it builds for. Plain data, no client. */
public record Stack(String name, String namespace, MessageStackSpec spec, Images images, String clusterDomain) {

    public static final String DEFAULT_CLUSTER_DOMAIN = "cluster.local";

    public static Stack of(MessageStack resource, Images images, String clusterDomain) {
        MessageStackSpec spec = resource.getSpec() == null ? new MessageStackSpec() : resource.getSpec();
        return new Stack(resource.getMetadata().getName(), resource.getMetadata().getNamespace(), spec, images,
                clusterDomain);
    }

    public Names names() {
        return new Names(name);
    }

    /** Fully qualified name of a Service of this stack. */
    public String serviceHost(String service) {
        return service + "." + namespace + ".svc." + clusterDomain;
    }
}
