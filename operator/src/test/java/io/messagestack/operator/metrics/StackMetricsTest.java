package io.messagestack.operator.metrics;

import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gauges as Prometheus reads them: the names and labels the alert rules use (messagestack-rules.yaml). */
class StackMetricsTest {
    private static final StackMetrics.Key DEMO = new StackMetrics.Key("messagestack", "demo");
    private static final StackMetrics.Key OTHER = new StackMetrics.Key("team-a", "shop");

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final StackMetrics metrics = new StackMetrics(registry);

    @Test
    void publishesReadyDesiredSizeAndLastBackupPerStack() {
        metrics.record(DEMO, new StackMetrics.Observation(true, 3, Optional.of(Instant.ofEpochSecond(1_765_000_000L))),
                Set.of(DEMO));
        metrics.record(OTHER, new StackMetrics.Observation(false, 5, Optional.empty()), Set.of(DEMO, OTHER));
        String text = scrape();
        assertTrue(text.contains("messagestack_stack_ready{stack=\"demo\",stack_namespace=\"messagestack\"} 1.0"), text);
        assertTrue(text.contains("messagestack_stack_ready{stack=\"shop\",stack_namespace=\"team-a\"} 0.0"), text);
        assertTrue(text.contains(
                "messagestack_stack_database_replicas_desired{stack=\"shop\",stack_namespace=\"team-a\"} 5.0"), text);
        assertTrue(text.contains("messagestack_backup_last_completed_timestamp_seconds{stack=\"demo\","
                + "stack_namespace=\"messagestack\"} 1.765E9"), text);
        // No completed backup: no row at all (never 0, which would read as a backup in 1970).
        assertFalse(text.contains("messagestack_backup_last_completed_timestamp_seconds{stack=\"shop\""), text);
    }

    @Test
    void aNewObservationReplacesTheValueAndADeletedStackLosesItsRows() {
        metrics.record(DEMO, new StackMetrics.Observation(false, 3, Optional.empty()), Set.of(DEMO, OTHER));
        metrics.record(OTHER, new StackMetrics.Observation(true, 3, Optional.empty()), Set.of(DEMO, OTHER));
        metrics.record(DEMO, new StackMetrics.Observation(true, 5, Optional.empty()), Set.of(DEMO));
        String text = scrape();
        assertTrue(text.contains("messagestack_stack_ready{stack=\"demo\",stack_namespace=\"messagestack\"} 1.0"), text);
        assertTrue(text.contains(
                "messagestack_stack_database_replicas_desired{stack=\"demo\",stack_namespace=\"messagestack\"} 5.0"),
                text);
        assertFalse(text.contains("stack=\"shop\""), text);
    }

    @Test
    void theSweepDropsADeletedStackWithoutAReconcile() {
        metrics.record(DEMO, new StackMetrics.Observation(true, 3, Optional.empty()), Set.of(DEMO, OTHER));
        metrics.record(OTHER, new StackMetrics.Observation(true, 3, Optional.empty()), Set.of(DEMO, OTHER));
        metrics.retain(() -> Set.of(DEMO, OTHER));
        assertTrue(scrape().contains("stack=\"shop\""), "a stack that still exists keeps its rows");
        metrics.retain(() -> Set.of(DEMO));
        String text = scrape();
        assertFalse(text.contains("stack=\"shop\""), text);
        assertTrue(text.contains("messagestack_stack_ready{stack=\"demo\",stack_namespace=\"messagestack\"} 1.0"), text);
    }

    @Test
    void valuesSurviveGarbageCollection() {
        metrics.record(DEMO, new StackMetrics.Observation(true, 3, Optional.of(Instant.ofEpochSecond(1_765_000_123L))),
                Set.of(DEMO));
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        assertEquals(1_765_000_123.0, registry.get(StackMetrics.BACKUP_LAST_COMPLETED).gauge().value());
    }

    /** The exposition text; this client writes a trailing comma in label sets ({a="b",}), which Prometheus ignores. */
    private String scrape() {
        return registry.scrape().replace(",}", "}");
    }
}
