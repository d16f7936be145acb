package io.messagestack.operator.reconcile;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.messagestack.operator.crd.MessageStack;
import io.messagestack.operator.nodeloss.ManagedPods;
import io.messagestack.operator.nodeloss.NodeLossGuard;
import io.micrometer.core.instrument.Metrics;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Starts the node-loss guard in every operator replica (NodeLossGuard: the standby acts later than the leader, and
 * alone when the leader's node is the one lost). Each pod it takes out of its Services leaves a Warning event on
 * the pod's stack.
 */
@ApplicationScoped
public class NodeLossStartup {
    private final EventRecorder events = new EventRecorder();

    void onStart(@Observes StartupEvent event, KubernetesClient client) {
        String namespaces = ConfigProvider.getConfig()
                .getOptionalValue("quarkus.operator-sdk.controllers.messagestack.namespaces", String.class).orElse(null);
        ManagedPods pods = ManagedPods.start(client, namespaces, System.getenv("POD_NAMESPACE"));
        new NodeLossGuard(client, pods::list, LeaderElection::leading, marked -> {
            MessageStack stack = client.resources(MessageStack.class).inNamespace(marked.target().namespace())
                    .withName(marked.target().stack()).get();
            if (stack != null) {
                events.warning(client, stack, "PodUnreachable", "pod " + marked.target().pod() + " ("
                        + marked.target().component() + "): " + marked.message());
            }
        }, Metrics.globalRegistry).start();
    }
}
