package io.messagestack.operator.metrics;

import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.messagestack.operator.crd.MessageStackStatus;
import io.messagestack.operator.crd.WriterStatus;
import io.messagestack.operator.reconcile.StatusCalculator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StatusDurationsTest {
    private static final Instant NOW = Instant.parse("2026-12-06T17:10:00Z");

    private static MessageStackStatus status(String phase, String ready, String since) {
        MessageStackStatus s = new MessageStackStatus();
        s.phase = phase;
        s.conditions = List.of(new ConditionBuilder().withType("Ready").withStatus(ready)
                .withLastTransitionTime(since).build());
        return s;
    }

    private static MessageStackStatus writer(String pod, String reason, String since) {
        MessageStackStatus s = new MessageStackStatus();
        s.writer = new WriterStatus();
        s.writer.pod = pod;
        s.writer.reason = reason;
        s.writer.since = since;
        return s;
    }

    @Test
    void phasesAreStatusCalculatorsOwn() {
        assertEquals(StatusCalculator.PHASE_READY, StatusDurations.READY);
        assertEquals(StatusCalculator.PHASE_DEGRADED, StatusDurations.DEGRADED);
    }

    @Test
    void timeToReadyCountsFromTheReadyConditionTurningFalseAfterAFault() {
        assertEquals(Optional.of(new StatusDurations.ReadyAgain(Duration.ofSeconds(95), "2026-12-06T17:08:25Z")),
                StatusDurations.timeToReady(status("Degraded", "False", "2026-12-06T17:08:25Z"),
                        status("Ready", "True", "2026-12-06T17:10:00Z"), NOW));
    }

    @Test
    void creationAndStillNotReadyAreNotFaults() {
        assertEquals(Optional.empty(), StatusDurations.timeToReady(
                status("Progressing", "False", "2026-12-06T17:00:00Z"), status("Ready", "True", "x"), NOW), "creation");
        assertEquals(Optional.empty(), StatusDurations.timeToReady(
                status("Degraded", "False", "2026-12-06T17:00:00Z"), status("Degraded", "False", "x"), NOW));
        assertEquals(Optional.empty(), StatusDurations.timeToReady(
                status("Ready", "True", "2026-12-06T17:00:00Z"), status("Ready", "True", "x"), NOW));
        assertEquals(Optional.empty(), StatusDurations.timeToReady(null, status("Ready", "True", "x"), NOW));
        assertEquals(Optional.empty(), StatusDurations.timeToReady(
                status("Degraded", "False", "not a time"), status("Ready", "True", "x"), NOW));
    }

    @Test
    void aWriterMoveHasItsReasonAndTheTimeSinceTheLastMove() {
        assertEquals(Optional.of(new StatusDurations.WriterMove("Switchover", Optional.of(Duration.ofMinutes(70)),
                        "demo-db-1@2026-12-06T17:10:00Z")),
                StatusDurations.writerMove(writer("demo-db-0", "Initial", "2026-12-06T16:00:00Z"),
                        writer("demo-db-1", "Switchover", "2026-12-06T17:10:00Z")));
        assertEquals(Optional.of(new StatusDurations.WriterMove("ScaleDown", Optional.empty(),
                        "demo-db-0@2026-12-06T17:10:00Z")),
                StatusDurations.writerMove(writer("demo-db-4", "Initial", null),
                        writer("demo-db-0", "ScaleDown", "2026-12-06T17:10:00Z")));
        assertEquals(Optional.empty(), StatusDurations.writerMove(writer("demo-db-0", "Initial", "2026-12-06T16:00:00Z"),
                writer("demo-db-0", "Initial", "2026-12-06T16:00:00Z")), "no move");
        assertEquals(Optional.empty(), StatusDurations.writerMove(new MessageStackStatus(),
                writer("demo-db-0", "Initial", "2026-12-06T16:00:00Z")), "first writer of a new stack");
    }
}
