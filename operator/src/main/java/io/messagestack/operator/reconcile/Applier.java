package io.messagestack.operator.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
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

    /**
     * Creates a Secret, or replaces the data of the existing one (never server-side apply: the passwords must not
     * be merged with what a person left there). Owned by the MessageStack only when {@code owned}.
     */
    public Secret writeSecret(Secret desired, boolean exists, boolean owned) {
        desired.getMetadata().setOwnerReferences(owned ? List.of(ownerReference(owner)) : List.of());
        if (!exists) {
            return client.resource(desired).create();
        }
        return client.secrets().inNamespace(desired.getMetadata().getNamespace())
                .withName(desired.getMetadata().getName()).edit(s -> {
                    s.setData(desired.getData());
                    s.getMetadata().setOwnerReferences(desired.getMetadata().getOwnerReferences());
                    return s;
                });
    }

    /** Adds or removes the MessageStack's owner reference, leaving the rest of the object alone. */
    public void setOwned(HasMetadata object, boolean owned) {
        List<OwnerReference> refs = object.getMetadata().getOwnerReferences();
        boolean isOwned = refs != null && refs.stream().anyMatch(r -> r.getUid().equals(owner.getMetadata().getUid()));
        if (isOwned == owned) {
            return;
        }
        @SuppressWarnings("unchecked")
        Class<HasMetadata> type = (Class<HasMetadata>) object.getClass();
        client.resources(type).inNamespace(object.getMetadata().getNamespace())
                .withName(object.getMetadata().getName()).edit(o -> {
                    o.getMetadata().setOwnerReferences(owned ? List.of(ownerReference(owner)) : List.of());
                    return o;
                });
    }

    public void deleteIfPresent(Class<? extends HasMetadata> type, String name) {
        client.resources(type).inNamespace(owner.getMetadata().getNamespace()).withName(name).delete();
    }
}
