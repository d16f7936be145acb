package io.messagestack.operator.database;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * After a full crash no node holds a Primary component, and every node's start script waits for a decision
 * (see galera-start.sh). This picks the node to bootstrap from: the most advanced one, as its agent recovered it.
 * Pure, so every rule is unit-tested; the reconciler only carries the decision out (POST /bootstrap).
 */
public final class FullCrashRecovery {
    private FullCrashRecovery() {
    }

    public record Decision(String pod, String ip, String reason) {
    }

    /**
     * @param pods     the agents that answered
     * @param replicas the desired number of database nodes
     * @return the node to bootstrap, or empty when there is nothing to decide (or not yet)
     */
    public static Optional<Decision> decide(List<GaleraProbe.PodState> pods, int replicas) {
        // A Primary component exists somewhere, or a decision was already sent: the others join by themselves.
        if (pods.stream().anyMatch(p -> "Primary".equals(p.state().clusterStatus())
                || p.state().bootstrapRequested())) {
            return Optional.empty();
        }
        // Every node must have reported its position: bootstrapping from a node behind another loses writes.
        List<GaleraProbe.PodState> waiting = pods.stream().filter(p -> p.state().waitingForDecision()).toList();
        if (waiting.size() < replicas) {
            return Optional.empty();
        }
        // The history most nodes share (the same cluster uuid); among its nodes, safe_to_bootstrap first, then the
        // highest recovered seqno, then the lowest pod name (stable choice). Nodes without a position come last.
        Map<String, Integer> byUuid = new HashMap<>();
        for (GaleraProbe.PodState p : waiting) {
            String uuid = p.state().recoveredUuid();
            if (uuid != null && !uuid.isBlank() && !uuid.startsWith("00000000-")) {
                byUuid.merge(uuid, 1, Integer::sum);
            }
        }
        String history = byUuid.entrySet().stream().max(Map.Entry.comparingByValue())
                .map(Map.Entry::getKey).orElse(null);
        Comparator<GaleraProbe.PodState> best = Comparator
                .comparing((GaleraProbe.PodState p) -> history != null && history.equals(p.state().recoveredUuid()))
                .thenComparing(p -> p.state().safeToBootstrap())
                .thenComparing(p -> p.state().recoveredSeqno() == null ? Long.MIN_VALUE : p.state().recoveredSeqno())
                .thenComparing(GaleraProbe.PodState::pod, Comparator.reverseOrder());
        GaleraProbe.PodState chosen = waiting.stream().max(best).orElseThrow();
        Long seqno = chosen.state().recoveredSeqno();
        if (seqno == null || seqno < 0) {
            // No node knows its position: bootstrapping could silently drop writes. A person must decide.
            return Optional.empty();
        }
        return Optional.of(new Decision(chosen.pod(), chosen.ip(), "full crash: no Primary component; "
                + chosen.pod() + " has the most advanced data (seqno " + seqno
                + (chosen.state().safeToBootstrap() ? ", safe_to_bootstrap" : "") + ") of " + waiting.size()
                + " waiting nodes"));
    }
}
