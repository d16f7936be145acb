package io.messagestack.operator.metrics;

import io.fabric8.kubernetes.api.model.Condition;
import io.messagestack.operator.crd.MessageStackStatus;
import io.messagestack.operator.crd.WriterStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Durations read from two consecutive statuses of a stack (pure): what changed at this reconcile. Based on the
 * times the status keeps (the Ready condition's lastTransitionTime, status.writer.since), so they hold across
 * operator restarts.
 */
public final class StatusDurations {
    /** StatusCalculator.PHASE_READY and PHASE_DEGRADED (metrics sits below reconcile; StatusDurationsTest pins them). */
    static final String READY = "Ready";
    static final String DEGRADED = "Degraded";

    private StatusDurations() {
    }

    /**
     * The stack Ready again after a fault: how long it took, and the episode (when its Ready condition turned
     * False), which is the same when two reconciles both see the change: the second ran on a status the cache had not
     * updated yet, and must not count it again.
     */
    public record ReadyAgain(Duration took, String episode) {
    }

    /**
     * Time to Ready after a fault: the stack was Degraded (not Ready after having been Ready; a new stack is
     * Progressing, not Degraded) and is Ready now; the time since its Ready condition turned False.
     */
    public static Optional<ReadyAgain> timeToReady(MessageStackStatus previous, MessageStackStatus next, Instant now) {
        if (previous == null || next == null || !DEGRADED.equals(previous.phase) || !READY.equals(next.phase)) {
            return Optional.empty();
        }
        Condition ready = find(previous.conditions, READY);
        return ready == null || !"False".equals(ready.getStatus()) ? Optional.empty()
                : time(ready.getLastTransitionTime()).map(t -> Duration.between(t, now)).filter(d -> !d.isNegative())
                        .map(d -> new ReadyAgain(d, ready.getLastTransitionTime()));
    }

    /**
     * A move of the configured writer (status.writer.pod changed): its reason, the time since the last move, and the
     * episode (the new writer and its since), the same when two reconciles both see the move (see ReadyAgain).
     */
    public record WriterMove(String reason, Optional<Duration> sincePrevious, String episode) {
    }

    public static Optional<WriterMove> writerMove(MessageStackStatus previous, MessageStackStatus next) {
        WriterStatus before = previous == null ? null : previous.writer;
        WriterStatus after = next == null ? null : next.writer;
        if (before == null || after == null || before.pod == null || after.pod == null
                || Objects.equals(before.pod, after.pod)) {
            return Optional.empty();
        }
        Optional<Instant> from = time(before.since);
        Optional<Instant> to = time(after.since);
        Optional<Duration> between = from.isPresent() && to.isPresent()
                ? Optional.of(Duration.between(from.get(), to.get())).filter(d -> !d.isNegative()) : Optional.empty();
        return Optional.of(new WriterMove(after.reason == null || after.reason.isBlank() ? "Unknown" : after.reason,
                between, after.pod + "@" + after.since));
    }

    static Condition find(List<Condition> conditions, String type) {
        return conditions == null ? null
                : conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    }

    private static Optional<Instant> time(String value) {
        try {
            return value == null ? Optional.empty() : Optional.of(Instant.parse(value));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
