package io.messagestack.operator.common;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;

/** A PodDisruptionBudget allowing one pod of a component to be evicted at a time. */
public final class Disruption {
    private Disruption() {
    }

    public static PodDisruptionBudget budget(String name, String namespace, String stack, String component) {
        return new PodDisruptionBudgetBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace)
                .withLabels(Labels.of(stack, component)).endMetadata()
                .withNewSpec()
                .withMaxUnavailable(new IntOrString(1))
                .withNewSelector().withMatchLabels(Labels.selector(stack, component)).endSelector()
                .endSpec()
                .build();
    }
}
