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

    /**
     * {@code budget} without the pods whose label {@code key} has one of {@code values} (unchanged when empty), one
     * of the {@code remaining} pods at a time. As an integer minAvailable, not maxUnavailable: with maxUnavailable the
     * disruption controller counts the expected pods from the owner's scale (all of the StatefulSet's pods, the
     * excluded ones too), which would leave the remaining pods no disruption at all (measured: a drain stuck on a
     * non-writer database pod); an integer minAvailable counts the pods the budget selects.
     */
    public static PodDisruptionBudget excluding(PodDisruptionBudget budget, String key, List<String> values,
                                                int remaining) {
        if (!values.isEmpty()) {
            budget.getSpec().getSelector().setMatchExpressions(List.of(new LabelSelectorRequirementBuilder()
                    .withKey(key).withOperator("NotIn").withValues(values).build()));
            budget.getSpec().setMaxUnavailable(null);
            budget.getSpec().setMinAvailable(new IntOrString(Math.max(0, remaining - 1)));
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
                // Every selected pod (an integer minAvailable counts the selected pods; maxUnavailable 0 would count
                // the owner's scale and also hold a pod that is not Ready).
                .withMinAvailable(new IntOrString(values.size()))
                .withUnhealthyPodEvictionPolicy("AlwaysAllow")
                .withNewSelector().withMatchLabels(Labels.selector(stack, component))
                .withMatchExpressions(new LabelSelectorRequirementBuilder()
                        .withKey(key).withOperator("In").withValues(values).build())
                .endSelector()
                .endSpec()
                .build();
    }
}
