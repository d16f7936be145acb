package io.messagestack.operator.reconcile;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.messagestack.operator.common.BackgroundLoops;
import io.messagestack.operator.common.WatchedNamespaces;
import io.messagestack.operator.crd.MessageStack;
import io.messagestack.operator.crd.MessageStackBackup;
import io.messagestack.operator.metrics.StackMetrics;
import io.messagestack.operator.metrics.StandbyGauges;
import io.messagestack.operator.nodeloss.ManagedPods;
import io.messagestack.operator.nodeloss.NodeLossGuard;
import io.micrometer.core.instrument.Metrics;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What every operator replica runs besides the controllers, which run in the leader only:
 * <ul>
 *   <li>the node-loss guard (NodeLossGuard: the standby acts later than the leader, and alone when the leader's node
 *   is the one lost); each pod it takes out of its Services leaves a Warning event on the pod's stack;</li>
 *   <li>in the standby, every 10 s, the per-stack gauges from the stacks' status and backups (StandbyGauges), so
 *   the alert rules' series go on while the Lease changes hands.</li>
 * </ul>
 */
@ApplicationScoped
public class ReplicaStartup {
    private static final Logger LOG = Logger.getLogger(ReplicaStartup.class);
    private final EventRecorder events = new EventRecorder();

    void onStart(@Observes StartupEvent event, KubernetesClient client) {
        String setting = ConfigProvider.getConfig().getOptionalValue(WatchedNamespaces.SETTING, String.class).orElse(null);
        String own = System.getenv("POD_NAMESPACE");
        ManagedPods pods = ManagedPods.start(client, setting, own);
        new NodeLossGuard(client, pods::list, LeaderElection::leading, marked -> {
            MessageStack stack = client.resources(MessageStack.class).inNamespace(marked.target().namespace())
                    .withName(marked.target().stack()).get();
            if (stack != null) {
                events.warning(client, stack, "PodUnreachable", "pod " + marked.target().pod() + " ("
                        + marked.target().component() + "): " + marked.message());
            }
        }, Metrics.globalRegistry).start();
        List<String> namespaces = WatchedNamespaces.of(setting, own);
        BackgroundLoops.singleThread("standby-gauges").scheduleWithFixedDelay(() -> publishAsStandby(client, namespaces), 10, 10, TimeUnit.SECONDS);
    }

    private static void publishAsStandby(KubernetesClient client, List<String> namespaces) {
        if (LeaderElection.leading()) {
            return; // the reconciler records every stack at each reconcile
        }
        try {
            List<MessageStack> stacks = new ArrayList<>();
            List<MessageStackBackup> backups = new ArrayList<>();
            if (namespaces.isEmpty()) {
                stacks.addAll(client.resources(MessageStack.class).inAnyNamespace().list().getItems());
                backups.addAll(client.resources(MessageStackBackup.class).inAnyNamespace().list().getItems());
            } else {
                for (String ns : namespaces) {
                    stacks.addAll(client.resources(MessageStack.class).inNamespace(ns).list().getItems());
                    backups.addAll(client.resources(MessageStackBackup.class).inNamespace(ns).list().getItems());
                }
            }
            Set<StackMetrics.Key> existing = new HashSet<>();
            for (MessageStack s : stacks) {
                existing.add(new StackMetrics.Key(s.getMetadata().getNamespace(), s.getMetadata().getName()));
            }
            for (MessageStack s : stacks) {
                StackMetrics.Key key = new StackMetrics.Key(s.getMetadata().getNamespace(), s.getMetadata().getName());
                List<MessageStackBackup> own = backups.stream()
                        .filter(b -> s.getMetadata().getNamespace().equals(b.getMetadata().getNamespace())
                                && b.getSpec() != null && s.getMetadata().getName().equals(b.getSpec().stack))
                        .toList();
                var lastBackup = MessageStackReconciler.backupHealth(own).lastSuccess()
                        .map(io.messagestack.operator.backup.BackupHealth.Backup::finished);
                StandbyGauges.observe(s, lastBackup).ifPresent(o -> StackMetrics.global().record(key, o, existing));
            }
            StackMetrics.global().retain(() -> existing);
        } catch (RuntimeException e) {
            LOG.warnf("standby gauges: could not list the stacks (retried in 10 s): %s", e.toString());
        }
    }
}
