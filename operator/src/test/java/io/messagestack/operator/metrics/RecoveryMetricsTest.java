package io.messagestack.operator.metrics;

import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The histograms and the counter as Prometheus reads them (/q/metrics). */
class RecoveryMetricsTest {
    private static final StackMetrics.Key DEMO = new StackMetrics.Key("messagestack", "demo");
    private static final Set<StackMetrics.Key> ONLY_DEMO = Set.of(DEMO);
    private static final Instant T0 = Instant.parse("2026-12-06T17:00:00Z");

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final RecoveryMetrics metrics = new RecoveryMetrics(registry);

    /**
     * The exposition has a line with this name, these labels (in any order, with or without a trailing comma) and
     * this value. {@code expected}: {@code name{a="b",c="d",} value} as simpleclient writes it.
     */
    private static void assertSample(String text, String expected) {
        java.util.regex.Matcher e = java.util.regex.Pattern.compile("^(\\w+)\\{(.*?),?\\} (\\S+)$").matcher(expected);
        assertTrue(e.matches(), expected);
        Set<String> labels = Set.of(e.group(2).split(","));
        for (String line : text.split("\n")) {
            java.util.regex.Matcher l = java.util.regex.Pattern.compile("^(\\w+)\\{(.*?),?\\} (\\S+)$").matcher(line);
            if (l.matches() && l.group(1).equals(e.group(1)) && Set.of(l.group(2).split(",")).equals(labels)
                    && Double.parseDouble(l.group(3)) == Double.parseDouble(e.group(3))) {
                return;
            }
        }
        throw new AssertionError("no sample " + expected + " in\n" + text);
    }

    private static RecoveryMetrics.Observation healthy() {
        return new RecoveryMetrics.Observation(false, true, 3, 3, Optional.empty(), Optional.empty());
    }

    @Test
    void aFullCrashRecoveryIsOneObservationInItsBucket() {
        metrics.record(DEMO, healthy(), T0, ONLY_DEMO);
        metrics.record(DEMO, new RecoveryMetrics.Observation(true, false, 3, 0, Optional.empty(), Optional.empty()),
                T0.plusSeconds(5), ONLY_DEMO);
        metrics.record(DEMO, new RecoveryMetrics.Observation(false, false, 3, 0, Optional.empty(), Optional.empty()),
                T0.plusSeconds(12), ONLY_DEMO);
        metrics.record(DEMO, healthy(), T0.plusSeconds(23), ONLY_DEMO);
        String text = registry.scrape();
        String labels = "stack=\"demo\",stack_namespace=\"messagestack\"";
        assertSample(text, "messagestack_full_crash_recovery_seconds_count{" + labels + ",} 1.0");
        assertSample(text, "messagestack_full_crash_recovery_seconds_sum{" + labels + ",} 18.0");
        assertSample(text, "messagestack_full_crash_recovery_seconds_bucket{" + labels + ",le=\"15.0\",} 0.0");
        assertSample(text, "messagestack_full_crash_recovery_seconds_bucket{" + labels + ",le=\"20.0\",} 1.0");
        assertSample(text, "messagestack_full_crash_recovery_seconds_bucket{" + labels + ",le=\"+Inf\",} 1.0");
    }

    @Test
    void timeToReadyScalingStepsAndWriterMoves() {
        metrics.record(DEMO, healthy(), T0, ONLY_DEMO);
        RecoveryMetrics.Observation moved = new RecoveryMetrics.Observation(false, true, 4, 3,
                Optional.of(new StatusDurations.ReadyAgain(Duration.ofSeconds(95), "2026-12-06T17:08:25Z")),
                Optional.of(new StatusDurations.WriterMove("Switchover", Optional.of(Duration.ofMinutes(70)),
                        "demo-db-1@2026-12-06T17:10:00Z")));
        metrics.record(DEMO, moved, T0.plusSeconds(1), ONLY_DEMO);
        // The next reconcile ran on the status the cache had before the patch: the same move and Ready, seen again.
        metrics.record(DEMO, moved, T0.plusSeconds(2), ONLY_DEMO);
        metrics.record(DEMO, new RecoveryMetrics.Observation(false, true, 4, 4, Optional.empty(), Optional.empty()),
                T0.plusSeconds(41), ONLY_DEMO);
        String text = registry.scrape();
        assertSample(text, "messagestack_time_to_ready_seconds_bucket{stack=\"demo\",stack_namespace=\"messagestack\",le=\"120.0\",} 1.0");
        assertSample(text, "messagestack_time_to_ready_seconds_count{stack=\"demo\",stack_namespace=\"messagestack\",} 1.0");
        assertSample(text, "messagestack_database_scaling_step_seconds_count{direction=\"up\",stack=\"demo\",stack_namespace=\"messagestack\",} 1.0");
        assertSample(text, "messagestack_database_scaling_step_seconds_sum{direction=\"up\",stack=\"demo\",stack_namespace=\"messagestack\",} 40.0");
        assertSample(text, "messagestack_writer_moves_total{reason=\"Switchover\",stack=\"demo\",stack_namespace=\"messagestack\",} 1.0");
        assertSample(text, "messagestack_writer_time_between_moves_seconds_bucket{stack=\"demo\",stack_namespace=\"messagestack\",le=\"3600.0\",} 0.0");
        assertSample(text, "messagestack_writer_time_between_moves_seconds_bucket{stack=\"demo\",stack_namespace=\"messagestack\",le=\"14400.0\",} 1.0");
    }

    @Test
    void aDeletedStacksSeriesGo() {
        metrics.record(DEMO, new RecoveryMetrics.Observation(false, true, 3, 3, Optional.of(new StatusDurations.ReadyAgain(Duration.ofSeconds(30), "t")), Optional.empty()), T0, ONLY_DEMO);
        assertTrue(registry.scrape().contains("stack=\"demo\""));
        StackMetrics.Key other = new StackMetrics.Key("team-a", "shop");
        metrics.record(other, healthy(), T0.plusSeconds(1), Set.of(other));
        assertFalse(registry.scrape().contains("stack=\"demo\""), registry.scrape());
    }

    @Test
    void theSweepDropsADeletedStacksSeriesWithoutAReconcile() {
        metrics.record(DEMO, new RecoveryMetrics.Observation(false, true, 3, 3, Optional.of(new StatusDurations.ReadyAgain(Duration.ofSeconds(30), "t")), Optional.empty()), T0, ONLY_DEMO);
        metrics.retain(() -> ONLY_DEMO);
        assertTrue(registry.scrape().contains("stack=\"demo\""), "a stack that exists keeps its series");
        metrics.retain(Set::of);
        assertFalse(registry.scrape().contains("stack=\"demo\""), registry.scrape());
    }
}
