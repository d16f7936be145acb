package io.messagestack.operator.nodeloss;

import io.fabric8.kubernetes.api.model.Pod;
import io.messagestack.operator.api.MessageApi;
import io.messagestack.operator.common.Components;
import io.messagestack.operator.common.Labels;
import io.messagestack.operator.common.Pods;
import io.messagestack.operator.frontend.Frontend;
import io.messagestack.operator.proxy.HaproxyConfigRenderer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Which serving pods to take out of their Services because their node stopped answering. Kubernetes does it only
 * when the node controller declares the node NotReady (40-60 s); until then kube-proxy keeps sending about a third
 * of the new connections of the NodePort, message-api's HAProxy Service and nginx's API list to pods that cannot
 * answer, and a client without retries waits for its timeout on each.
 *
 * <p>A pod is unreachable when a TCP connect to it got no answer (neither a handshake nor a refusal) in
 * {@link #FAILED_ROUNDS_TO_MARK} rounds in a row while, in the same rounds, some other pod answered (so the operator's
 * own network works) and nothing on its node answered, neither another probed pod nor the node's kubelet port (a
 * node-level loss: a pod that is alone broken, or whose NetworkPolicy drops the operator, is the kubelet's job). At least one Ready pod of each component of a stack always stays: when the operator's view is
 * wrong, it must never empty a Service. Only the pods in front of the database are probed; the database pods'
 * membership is Galera's and HAProxy's checks' business.
 */
public final class UnreachablePods {
    /**
     * Three rounds of 400 ms silence with 250 ms between them: about 1.7 s. Two (1 s) marked a live pod once on the
     * loaded lab (a new HAProxy pod and its node's kubelet both silent for two rounds during a deploy, 2026-12-07);
     * the kubelet reverted it within seconds, but a mark must be rarer than that.
     */
    public static final int FAILED_ROUNDS_TO_MARK = 3;
    /** The kubelet's port on each node that runs a probed pod (at the pod's hostIP): the node's own answer. */
    public static final int KUBELET_PORT = 10250;
    static final String NODE = "node";
    /** A bound on one round's connects, whatever the number of stacks and replicas. */
    public static final int MAX_TARGETS = 512;
    private static final Map<String, Integer> PROBE_PORTS = Map.of(
            Components.FRONTEND, Frontend.PORT,
            Components.API, MessageApi.PORT,
            // HAProxy's metrics port: the only one the operator may reach (NetworkPolicies); it proves the pod
            // and its node answer as well as the SQL port would.
            Components.PROXY, HaproxyConfigRenderer.METRICS_PORT);

    private UnreachablePods() {
    }

    /** The port the guard connects to on a pod of this component; empty for components it does not probe. */
    public static Optional<Integer> probePort(String component) {
        return Optional.ofNullable(PROBE_PORTS.get(component));
    }

    /** One pod to probe: where, and the group (stack and component) it must not empty. */
    public record Target(String namespace, String stack, String component, String pod, String node, String ip,
                         int port) {
        public String key() {
            return namespace + "/" + pod;
        }

        String group() {
            return namespace + "/" + stack + "/" + component;
        }
    }

    /** A target and whether it answered in this round. */
    public record Result(Target target, boolean answered) {
    }

    /**
     * The failed-round counts to carry into the next round, the pods to mark not Ready now, and, when a candidate
     * was kept, why.
     */
    public record Decision(Map<String, Integer> failedRounds, List<Target> mark, List<String> kept) {
    }

    /**
     * The Ready, running pods of the probed components, ordered by namespace and name, then the kubelet port of each
     * of their nodes (component {@code node}: never marked, only evidence that the node is alive).
     */
    public static List<Target> targets(List<Pod> pods) {
        List<Target> targets = new ArrayList<>();
        Map<String, String> hostIps = new TreeMap<>();
        for (Pod pod : pods) {
            targetOf(pod).ifPresent(t -> {
                targets.add(t);
                String hostIp = pod.getStatus().getHostIP();
                if (hostIp != null && !hostIp.isBlank()) {
                    hostIps.putIfAbsent(t.node(), hostIp);
                }
            });
        }
        targets.sort(Comparator.comparing(Target::key));
        List<Target> bounded = targets.size() > MAX_TARGETS ? new ArrayList<>(targets.subList(0, MAX_TARGETS)) : targets;
        hostIps.forEach((node, ip) -> bounded.add(new Target("", "", NODE, node, node, ip, KUBELET_PORT)));
        return bounded;
    }

    static Optional<Target> targetOf(Pod pod) {
        Map<String, String> labels = pod.getMetadata().getLabels();
        if (labels == null || pod.getMetadata().getDeletionTimestamp() != null || pod.getStatus() == null
                || pod.getSpec() == null || pod.getSpec().getNodeName() == null
                || pod.getStatus().getPodIP() == null || pod.getStatus().getPodIP().isBlank() || !Pods.isReady(pod)) {
            return Optional.empty();
        }
        Integer port = PROBE_PORTS.get(labels.get(Labels.COMPONENT));
        String stack = labels.get(Labels.INSTANCE);
        if (port == null || stack == null) {
            return Optional.empty();
        }
        return Optional.of(new Target(pod.getMetadata().getNamespace(), stack, labels.get(Labels.COMPONENT),
                pod.getMetadata().getName(), pod.getSpec().getNodeName(), pod.getStatus().getPodIP(), port));
    }

    public static Decision decide(List<Result> round, Map<String, Integer> failedRoundsBefore) {
        return decide(round, failedRoundsBefore, FAILED_ROUNDS_TO_MARK);
    }

    /** As above with another number of silent rounds before a mark (the standby replica waits longer). */
    public static Decision decide(List<Result> round, Map<String, Integer> failedRoundsBefore, int roundsToMark) {
        boolean anyAnswered = round.stream().anyMatch(Result::answered);
        Map<String, Integer> failed = new TreeMap<>();
        if (!anyAnswered) {
            // Nothing answered: a dead cluster and a cut-off (or stalled) operator look the same. Count nothing.
            for (Result r : round) {
                Integer before = failedRoundsBefore.get(r.target().key());
                if (before != null) {
                    failed.put(r.target().key(), before);
                }
            }
            return new Decision(failed, List.of(), round.isEmpty() ? List.of()
                    : List.of("no pod answered: the operator cannot tell lost nodes from its own network"));
        }
        Set<String> answeringNodes = new HashSet<>();
        Map<String, Integer> readyPerGroup = new HashMap<>();
        for (Result r : round) {
            if (!NODE.equals(r.target().component())) {
                readyPerGroup.merge(r.target().group(), 1, Integer::sum);
            }
            if (r.answered()) {
                answeringNodes.add(r.target().node());
            } else {
                failed.put(r.target().key(), failedRoundsBefore.getOrDefault(r.target().key(), 0) + 1);
            }
        }
        List<Target> mark = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        Map<String, Integer> markedPerGroup = new HashMap<>();
        for (Result r : round) {
            Target t = r.target();
            if (r.answered() || NODE.equals(t.component()) || failed.get(t.key()) < roundsToMark
                    || answeringNodes.contains(t.node())) {
                continue;
            }
            int marked = markedPerGroup.getOrDefault(t.group(), 0);
            if (marked + 1 >= readyPerGroup.get(t.group())) {
                kept.add(t.key() + " stays: it is the last Ready " + t.component() + " pod of " + t.namespace() + "/"
                        + t.stack());
                continue;
            }
            markedPerGroup.put(t.group(), marked + 1);
            mark.add(t);
        }
        return new Decision(failed, mark, kept);
    }
}
