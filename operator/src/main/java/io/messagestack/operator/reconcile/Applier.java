package io.messagestack.operator.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.messagestack.operator.crd.MessageStack;

import java.util.List;

/**
 * Server-side apply of desired objects, owned by the MessageStack. The operator's field manager forces its fields,
 * so a hand edit of a field it manages is undone at the next reconcile; fields it does not set are left alone.
 */
public class Applier {
    public static final String FIELD_MANAGER = "messagestack-operator";

    private final KubernetesClient client;
    private final MessageStack owner;

    public Applier(KubernetesClient client, MessageStack owner) {
        this.client = client;
        this.owner = owner;
    }

    public static OwnerReference ownerReference(MessageStack owner) {
        return new OwnerReferenceBuilder()
                .withApiVersion(owner.getApiVersion()).withKind(owner.getKind())
                .withName(owner.getMetadata().getName()).withUid(owner.getMetadata().getUid())
                .withController(true).withBlockOwnerDeletion(true)
                .build();
    }

    public <T extends HasMetadata> T apply(T desired) {
        desired.getMetadata().setOwnerReferences(List.of(ownerReference(owner)));
        desired.getMetadata().setResourceVersion(null);
        desired.getMetadata().setManagedFields(null);
        return client.resource(desired).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
    }

    /** Creates the object only if absent; never overwrites (used for generated passwords). */
    public <T extends HasMetadata> T createIfAbsent(T desired) {
        desired.getMetadata().setOwnerReferences(List.of(ownerReference(owner)));
        return client.resource(desired).create();
    }

    public void deleteIfPresent(Class<? extends HasMetadata> type, String name) {
        client.resources(type).inNamespace(owner.getMetadata().getNamespace()).withName(name).delete();
    }
}
