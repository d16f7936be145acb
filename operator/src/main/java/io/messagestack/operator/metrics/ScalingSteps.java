package io.messagestack.operator.metrics;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The database's scaling steps per stack, as the operator applies them (the StatefulSet's replicas move one node
 * at a time, DatabaseScaling): a step starts at the reconcile that applies a new node count and ends at the first
 * reconcile that sees that many database pods Ready. Pure apart from its map.
 */
public final class ScalingSteps {
    /** A step that ended: from and to node counts and how long it took. */
    public record Step(int from, int to, Duration took) {
        public String direction() {
            return to > from ? "up" : "down";
        }
    }

    private record State(int replicas, Integer from, Instant since) {
    }

    private final Map<StackMetrics.Key, State> states = new ConcurrentHashMap<>();

    /**
     * @param replicas the node count the operator applied at this reconcile
     * @param ready    database pods Ready now
     */
    public Optional<Step> update(StackMetrics.Key key, int replicas, int ready, Instant now) {
        State s = states.get(key);
        if (s == null) {
            // First sight of the stack in this process: its count is where it is, not a step.
            states.put(key, new State(replicas, null, null));
            return Optional.empty();
        }
        if (replicas != s.replicas()) {
            states.put(key, new State(replicas, s.replicas(), now));
            return Optional.empty();
        }
        if (s.from() != null && ready == replicas) {
            states.put(key, new State(replicas, null, null));
            return Optional.of(new Step(s.from(), replicas, Duration.between(s.since(), now)));
        }
        return Optional.empty();
    }

    public void retain(Set<StackMetrics.Key> existing) {
        states.keySet().retainAll(existing);
    }
}
