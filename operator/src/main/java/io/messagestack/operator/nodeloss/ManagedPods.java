package io.messagestack.operator.nodeloss;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.messagestack.operator.common.Labels;
import io.messagestack.operator.common.WatchedNamespaces;

import java.util.ArrayList;
import java.util.List;

/**
 * The operator's pods (label managed-by) in the namespaces the operator watches, from the guard's own informers: the
 * reconciler's informers run only in the leading replica, and the guard runs in both (the standby must act when the
 * leader's node is the one lost).
 */
public final class ManagedPods {
    private final List<SharedIndexInformer<Pod>> informers;

    private ManagedPods(List<SharedIndexInformer<Pod>> informers) {
        this.informers = informers;
    }

    public static ManagedPods start(KubernetesClient client, String namespacesSetting, String ownNamespace) {
        List<SharedIndexInformer<Pod>> informers = new ArrayList<>();
        List<String> namespaces = WatchedNamespaces.of(namespacesSetting, ownNamespace);
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
