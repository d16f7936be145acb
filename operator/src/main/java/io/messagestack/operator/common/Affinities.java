package io.messagestack.operator.common;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.PodAffinityTermBuilder;
import io.messagestack.operator.crd.PlacementSpec;

/** Pod anti-affinity of one component: its pods on different nodes (hard, soft, or not at all). */
public final class Affinities {
    private static final String HOSTNAME = "kubernetes.io/hostname";

    private Affinities() {
    }

    /** Returns null for "none", so the pod spec carries no affinity at all. */
    public static Affinity spread(PlacementSpec.AntiAffinity mode, String stack, String component) {
        PodAffinityTerm term = new PodAffinityTermBuilder()
                .withNewLabelSelector().withMatchLabels(Labels.selector(stack, component)).endLabelSelector()
                .withTopologyKey(HOSTNAME)
                .build();
        return switch (mode) {
            case none -> null;
            case required -> new AffinityBuilder().withNewPodAntiAffinity()
                    .withRequiredDuringSchedulingIgnoredDuringExecution(term)
                    .endPodAntiAffinity().build();
            case preferred -> new AffinityBuilder().withNewPodAntiAffinity()
                    .addNewPreferredDuringSchedulingIgnoredDuringExecution()
                    .withWeight(100).withPodAffinityTerm(term).endPreferredDuringSchedulingIgnoredDuringExecution()
                    .endPodAntiAffinity().build();
        };
    }
}
