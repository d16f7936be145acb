package io.messagestack.operator.common;

import io.fabric8.kubernetes.api.model.Pod;

/** What the operator reads of a pod's status the same way everywhere. */
public final class Pods {
    private Pods() {
    }

    /** The pod's Ready condition is True (what Services and the EndpointSlice controller go by). */
    public static boolean isReady(Pod pod) {
        return pod != null && pod.getStatus() != null && pod.getStatus().getConditions() != null
                && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }
}
