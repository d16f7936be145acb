package io.messagestack.operator.metrics;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Episodes of one kind per stack, measured across reconciles in this operator process: an episode starts at the
 * first reconcile that sees its start condition and ends at the first that sees its end condition, which yields
 * its duration. Pure apart from its map (time comes from the caller). An episode under way when the process
 * stops (or loses leadership) is not measured.
 */
public final class Episodes {
    private final Map<StackMetrics.Key, Instant> started = new ConcurrentHashMap<>();

    /**
     * @param begins the start condition holds at this reconcile (an episode starts unless one is under way)
     * @param ends   the end condition holds (an episode under way ends; checked before begins)
     * @return the duration of an episode that ended at this reconcile
     */
    public Optional<Duration> update(StackMetrics.Key key, boolean begins, boolean ends, Instant now) {
        Instant since = started.get(key);
        if (since != null && ends) {
            started.remove(key);
            return Optional.of(Duration.between(since, now));
        }
        if (since == null && begins && !ends) {
            started.put(key, now);
        }
        return Optional.empty();
    }

    /** Whether an episode of this stack is under way. */
    public boolean underWay(StackMetrics.Key key) {
        return started.containsKey(key);
    }

    /** Forgets the stacks that no longer exist. */
    public void retain(Set<StackMetrics.Key> existing) {
        started.keySet().retainAll(existing);
    }
}
