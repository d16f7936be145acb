package io.messagestack.operator.monitoring;

import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.messagestack.operator.common.ConfigHash;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The operator's calls for the PrometheusOperator mode: API discovery of monitoring.coreos.com/v1 (cached for
 * {@link #DISCOVERY_TTL}: reconciles come often during a fault, the answer changes only when someone installs or
 * removes the Prometheus Operator), server-side apply and delete of the PodMonitors and the PrometheusRule. No
 * informer: one on a kind the cluster may not serve would keep the operator from starting. So an object is applied
 * again when its content changed or {@link #REAPPLY} passed (a deleted PodMonitor comes back within that).
 * RBAC: create and patch (server-side apply, which creates) and delete; nothing reads them.
 */
public class PrometheusOperatorApi {
    public static final Duration DISCOVERY_TTL = Duration.ofSeconds(15);
    public static final Duration REAPPLY = Duration.ofMinutes(5);
    public static final String FIELD_MANAGER = "messagestack-operator";

    /** What this operator last applied to one object, and when. */
    record Applied(String hash, Instant at) {
    }

    private final Clock clock;
    private final Map<String, Applied> applied = new ConcurrentHashMap<>();
    private volatile MonitoringDecision.Discovery discovered;
    private volatile Instant discoveredAt;

    public PrometheusOperatorApi(Clock clock) {
        this.clock = clock;
    }

    public PrometheusOperatorApi() {
        this(Clock.systemUTC());
    }

    /** Whether the API server serves both kinds; FAILED when it could not be asked. */
    public MonitoringDecision.Discovery discover(KubernetesClient client) {
        Instant now = clock.instant();
        if (discovered != null && discovered != MonitoringDecision.Discovery.FAILED
                && Duration.between(discoveredAt, now).compareTo(DISCOVERY_TTL) < 0) {
            return discovered;
        }
        MonitoringDecision.Discovery found;
        try {
            found = serves(client.getApiResources(PrometheusOperatorObjects.API_VERSION));
        } catch (KubernetesClientException e) {
            found = e.getCode() == 404 ? MonitoringDecision.Discovery.ABSENT : MonitoringDecision.Discovery.FAILED;
        }
        discovered = found;
        discoveredAt = now;
        return found;
    }

    /** PRESENT when the group version lists both plurals (the discovery document of monitoring.coreos.com/v1). */
    static MonitoringDecision.Discovery serves(APIResourceList list) {
        if (list == null || list.getResources() == null) {
            return MonitoringDecision.Discovery.ABSENT;
        }
        Set<String> names = list.getResources().stream().map(APIResource::getName).collect(Collectors.toSet());
        return names.containsAll(List.of(PrometheusOperatorObjects.POD_MONITORS,
                PrometheusOperatorObjects.PROMETHEUS_RULES))
                ? MonitoringDecision.Discovery.PRESENT : MonitoringDecision.Discovery.ABSENT;
    }

    /** Server-side apply unless this content was applied less than REAPPLY ago. True when it applied. */
    public boolean apply(KubernetesClient client, ResourceDefinitionContext type, GenericKubernetesResource desired,
                         List<OwnerReference> owners) {
        desired.getMetadata().setOwnerReferences(owners);
        String key = key(type, desired.getMetadata().getNamespace(), desired.getMetadata().getName());
        String hash = ConfigHash.of(Map.of("o", Serialization.asJson(desired)));
        Instant now = clock.instant();
        if (!due(applied.get(key), hash, now)) {
            return false;
        }
        client.genericKubernetesResources(type).inNamespace(desired.getMetadata().getNamespace())
                .resource(desired).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
        applied.put(key, new Applied(hash, now));
        return true;
    }

    /** Deletes the object if it exists (a missing one is not an error). */
    public void delete(KubernetesClient client, ResourceDefinitionContext type, String namespace, String name) {
        client.genericKubernetesResources(type).inNamespace(namespace).withName(name).delete();
        applied.remove(key(type, namespace, name));
    }

    /** Whether this operator applied the object since it started (and did not delete it since). */
    public boolean applied(ResourceDefinitionContext type, String namespace, String name) {
        return applied.containsKey(key(type, namespace, name));
    }

    /** Apply again when the content differs from the last apply, or the last apply is REAPPLY old. */
    static boolean due(Applied last, String hash, Instant now) {
        return last == null || !last.hash().equals(hash) || Duration.between(last.at(), now).compareTo(REAPPLY) >= 0;
    }

    private static String key(ResourceDefinitionContext type, String namespace, String name) {
        return type.getPlural() + "/" + namespace + "/" + name;
    }
}
