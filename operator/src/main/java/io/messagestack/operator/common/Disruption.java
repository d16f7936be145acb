package io.messagestack.operator.common;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;

import java.util.List;

/** PodDisruptionBudgets: one pod of a component evicted at a time; or none of a few named pods. */
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

    /** {@code budget} without the pods whose label {@code key} has one of {@code values} (unchanged when empty). */
    public static PodDisruptionBudget excluding(PodDisruptionBudget budget, String key, List<String> values) {
        if (!values.isEmpty()) {
            budget.getSpec().getSelector().setMatchExpressions(List.of(new LabelSelectorRequirementBuilder()
                    .withKey(key).withOperator("NotIn").withValues(values).build()));
        }
        return budget;
    }

    /**
     * No eviction of the component's pods whose label {@code key} has one of {@code values} (non-empty) while they
     * are Ready; a pod that is not Ready may always go (AlwaysAllow: it serves nothing, and keeping it would only
     * block a drain).
     */
    public static PodDisruptionBudget none(String name, String namespace, String stack, String component, String key,
                                           List<String> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("a budget of no pod: " + name);
        }
        return new PodDisruptionBudgetBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace)
                .withLabels(Labels.of(stack, component)).endMetadata()
                .withNewSpec()
                .withMaxUnavailable(new IntOrString(0))
                .withUnhealthyPodEvictionPolicy("AlwaysAllow")
                .withNewSelector().withMatchLabels(Labels.selector(stack, component))
                .withMatchExpressions(new LabelSelectorRequirementBuilder()
                        .withKey(key).withOperator("In").withValues(values).build())
                .endSelector()
                .endSpec()
                .build();
    }
}
