package io.messagestack.operator.nodeloss;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.messagestack.operator.common.BackgroundLoops;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Takes the pods of a lost node out of their Services within about two seconds (UnreachablePods decides which):
 * it sets their Ready condition to False through the pods/status subresource, as the node controller does 40-60 s
 * later, so the EndpointSlice controller drops them and kube-proxy stops sending them new connections.
 *
 * <p>Nothing is deleted and no spec changes. A live kubelet puts its own Ready condition back on its next status
 * sync (seconds), so a wrong mark heals by itself; a stopped node's kubelet cannot, and its pods stay out until it
 * is back and reports them. Every replica probes: the leader marks after FAILED_ROUNDS_TO_MARK silent rounds, the
 * standby after STANDBY_EXTRA_ROUNDS more, so it acts (about 2 s later) only when the leader did not, e.g. when
 * the leader's own node is the one lost, instead of waiting for the Lease (15 s or more).
 */
public final class NodeLossGuard {
    private static final Logger LOG = Logger.getLogger(NodeLossGuard.class);
    /** Longer than a connect within the lab (well under 10 ms) or a loaded node's SYN-ACK, short enough for ~1 s. */
    static final Duration CONNECT_DEADLINE = Duration.ofMillis(400);
    static final Duration PAUSE_BETWEEN_ROUNDS = Duration.ofMillis(250);
    public static final String REASON = "NodeUnreachable";
    static final int STANDBY_EXTRA_ROUNDS = 3;

    /** A pod this guard marked not Ready, and why, for the stack's event. */
    public record Marked(UnreachablePods.Target target, String message) {
    }

    private final KubernetesClient client;
    private final Supplier<List<Pod>> pods;
    private final BooleanSupplier leading;
    private final Consumer<Marked> onMarked;
    private final MeterRegistry registry;
    private Map<String, Integer> failedRounds = new HashMap<>();
    private List<String> lastKept = List.of();

    public NodeLossGuard(KubernetesClient client, Supplier<List<Pod>> pods, BooleanSupplier leading,
                         Consumer<Marked> onMarked, MeterRegistry registry) {
        this.client = client;
        this.pods = pods;
        this.leading = leading;
        this.onMarked = onMarked;
        this.registry = registry;
    }

    public void start() {
        BackgroundLoops.singleThread("node-loss-guard").scheduleWithFixedDelay(this::roundSafely, 5_000, PAUSE_BETWEEN_ROUNDS.toMillis(), TimeUnit.MILLISECONDS);
        LOG.infof("node-loss guard: probing nginx, message-api and HAProxy pods and their nodes' kubelets every %d ms"
                        + " (deadline %d ms, %d rounds)",
                PAUSE_BETWEEN_ROUNDS.toMillis(), CONNECT_DEADLINE.toMillis(), UnreachablePods.FAILED_ROUNDS_TO_MARK);
    }

    private void roundSafely() {
        try {
            round();
        } catch (Exception e) {
            // The loop must outlive any one round: the next one starts from the pods' state as it is then.
            LOG.warnf(e, "node-loss guard: round failed: %s", e.getMessage());
        }
    }

    void round() throws java.io.IOException {
        int roundsToMark = UnreachablePods.FAILED_ROUNDS_TO_MARK + (leading.getAsBoolean() ? 0 : STANDBY_EXTRA_ROUNDS);
        List<UnreachablePods.Target> targets = UnreachablePods.targets(pods.get());
        List<UnreachablePods.Result> results = TcpReachability.probe(targets, CONNECT_DEADLINE);
        UnreachablePods.Decision decision = UnreachablePods.decide(results, failedRounds, roundsToMark);
        failedRounds = decision.failedRounds();
        for (UnreachablePods.Result r : results) {
            Integer rounds = failedRounds.get(r.target().key());
            // Each silence is worth a line until it is decided on (a mark, or a count that starts over).
            if (rounds != null && rounds <= roundsToMark) {
                LOG.infof("node-loss guard: no answer from %s %s at %s:%d (node %s), round %d of %d", r.target().component(),
                        r.target().key(), r.target().ip(), r.target().port(), r.target().node(), rounds, roundsToMark);
            }
        }
        if (!decision.kept().equals(lastKept)) {
            for (String kept : decision.kept()) {
                LOG.warnf("node-loss guard: %s", kept);
            }
            lastKept = decision.kept();
        }
        for (UnreachablePods.Target t : decision.mark()) {
            markNotReady(t, roundsToMark);
        }
    }

    private void markNotReady(UnreachablePods.Target t, int rounds) {
        String message = String.format("no TCP answer from %s:%d nor from its node %s (kubelet port) in %d rounds of"
                        + " %d ms while other nodes answered: taken out of its Services until its kubelet reports it again",
                t.ip(), t.port(), t.node(), rounds, CONNECT_DEADLINE.toMillis());
        String patch = Serialization.asJson(Map.of("status", Map.of("conditions", List.of(Map.of(
                "type", "Ready", "status", "False", "reason", REASON, "message", message,
                "lastTransitionTime", Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString())))));
        try {
            client.pods().inNamespace(t.namespace()).withName(t.pod()).subresource("status")
                    .patch(PatchContext.of(PatchType.STRATEGIC_MERGE), patch);
        } catch (KubernetesClientException e) {
            LOG.warnf("node-loss guard: could not mark pod=%s/%s not Ready: %s", t.namespace(), t.pod(), e.getMessage());
            return;
        }
        LOG.warnf("node-loss guard: marked pod=%s/%s component=%s node=%s not Ready: %s", t.namespace(), t.pod(),
                t.component(), t.node(), message);
        Counter.builder("messagestack_node_loss_pods_marked_total")
                .description("Pods taken out of their Services because their node stopped answering TCP connects")
                .tag("namespace", t.namespace()).tag("stack", t.stack()).tag("component", t.component())
                .register(registry).increment();
        onMarked.accept(new Marked(t, message));
    }
}
