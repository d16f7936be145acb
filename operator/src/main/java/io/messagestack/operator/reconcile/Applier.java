package io.messagestack.operator.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.messagestack.operator.crd.MessageStack;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.messagestack.operator.common.ConfigHash;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Server-side apply of desired objects, owned by the MessageStack. The operator's field manager forces its fields,
 * so a hand edit of a field it manages is undone at the next reconcile; fields it does not set are left alone.
 */
public class Applier {
    public static final String FIELD_MANAGER = "messagestack-operator";

    private final KubernetesClient client;
    private final MessageStack owner;
    private final Map<String, Applied> memory;

    /** What this operator last applied to one object, and the resourceVersion the API server answered. */
    public record Applied(String desiredHash, String resourceVersion) {
    }

    public Applier(KubernetesClient client, MessageStack owner, Map<String, Applied> memory) {
        this.client = client;
        this.owner = owner;
        this.memory = memory;
    }

    public Applier(KubernetesClient client, MessageStack owner) {
        this(client, owner, new ConcurrentHashMap<>());
    }

    /**
     * Applies unless nothing can have changed: the desired object is the one applied last time and the cached
     * object still has the resourceVersion that apply returned (any edit or deletion by someone else changes it).
     * This keeps a reconcile of an unchanged stack to cache reads only.
     */
    public <T extends HasMetadata> T apply(T desired, Optional<T> cached) {
        desired.getMetadata().setOwnerReferences(List.of(ownerReference(owner)));
        String key = desired.getKind() + "/" + desired.getMetadata().getNamespace() + "/"
                + desired.getMetadata().getName();
        String hash = ConfigHash.of(Map.of("o", Serialization.asJson(desired)));
        Applied last = memory.get(key);
        if (last != null && cached.isPresent() && last.desiredHash().equals(hash)
                && last.resourceVersion().equals(cached.get().getMetadata().getResourceVersion())) {
            return cached.get();
        }
        T result = apply(desired);
        memory.put(key, new Applied(hash, result.getMetadata().getResourceVersion()));
        return result;
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
