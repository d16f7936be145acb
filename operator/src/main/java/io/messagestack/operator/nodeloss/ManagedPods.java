package io.messagestack.operator.nodeloss;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.messagestack.operator.common.Labels;

import java.util.ArrayList;
import java.util.List;

/**
 * The operator's pods (label managed-by) in the namespaces the operator watches, from the guard's own informers: the
 * reconciler's informers run only in the leading replica, and the guard runs in both (the standby must act when the
 * leader's node is the one lost).
 */
public final class ManagedPods {
    /** java-operator-sdk's markers in quarkus.operator-sdk.controllers.*.namespaces. */
    static final String ALL = "JOSDK_ALL_NAMESPACES";
    static final String CURRENT = "JOSDK_WATCH_CURRENT";

    private final List<SharedIndexInformer<Pod>> informers;

    private ManagedPods(List<SharedIndexInformer<Pod>> informers) {
        this.informers = informers;
    }

    /** The namespaces to watch (empty: all), from the controller's namespaces setting. */
    static List<String> namespaces(String setting, String ownNamespace) {
        if (setting == null || setting.isBlank() || setting.contains(ALL)) {
            return List.of();
        }
        List<String> namespaces = new ArrayList<>();
        for (String n : setting.split(",")) {
            String name = n.trim().equals(CURRENT) ? ownNamespace : n.trim();
            if (name != null && !name.isEmpty() && !namespaces.contains(name)) {
                namespaces.add(name);
            }
        }
        return namespaces;
    }

    public static ManagedPods start(KubernetesClient client, String namespacesSetting, String ownNamespace) {
        List<SharedIndexInformer<Pod>> informers = new ArrayList<>();
        List<String> namespaces = namespaces(namespacesSetting, ownNamespace);
        if (namespaces.isEmpty()) {
            informers.add(client.pods().inAnyNamespace().withLabel(Labels.MANAGED_BY, Labels.OPERATOR).inform());
        } else {
            for (String ns : namespaces) {
                informers.add(client.pods().inNamespace(ns).withLabel(Labels.MANAGED_BY, Labels.OPERATOR).inform());
            }
        }
        return new ManagedPods(informers);
    }

    public List<Pod> list() {
        List<Pod> pods = new ArrayList<>();
        for (SharedIndexInformer<Pod> informer : informers) {
            pods.addAll(informer.getStore().list());
        }
        return pods;
    }
}
