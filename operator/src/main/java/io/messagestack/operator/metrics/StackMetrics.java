package io.messagestack.operator.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * The operator's per-stack gauges, which the alert rules (monitoring/messagestack-rules.yaml) read next to the data
 * plane's own metrics: what only the operator knows (the desired size, whether the stack is Ready, when the last
 * backup completed). Labels: {@code stack_namespace} and {@code stack}; not {@code namespace}, which a Prometheus sets
 * on every series to the namespace of the scraped pod (the operator's).
 * <p>
 * The reconciling (leader) operator records every reconcile; the standby records Ready and the desired size from the
 * status (StandbyGauges), so the series go on while the Lease changes hands. A stack that no longer exists loses its
 * rows at the next reconcile of any stack (the rows are rebuilt from the stacks the operator still knows).
 */
public final class StackMetrics {
    private static StackMetrics global;

    /**
     * The instance on Micrometer's global registry (served at /q/metrics), shared by the reconciler and the standby's
     * publisher: two MultiGauges of one name on one registry would fight over the same rows.
     */
    public static synchronized StackMetrics global() {
        if (global == null) {
            global = new StackMetrics(io.micrometer.core.instrument.Metrics.globalRegistry);
        }
        return global;
    }

    public static final String READY = "messagestack.stack.ready";
    public static final String DATABASE_REPLICAS_DESIRED = "messagestack.stack.database.replicas.desired";
    public static final String BACKUP_LAST_COMPLETED = "messagestack.backup.last.completed.timestamp";
    public static final String NAMESPACE_TAG = "stack_namespace";
    public static final String STACK_TAG = "stack";

    /** A stack as the gauges name it. */
    public record Key(String namespace, String name) {
    }

    /** What one reconcile observed; {@code lastBackupCompleted} empty when no backup of the stack completed. */
    public record Observation(boolean ready, int databaseReplicasDesired, Optional<Instant> lastBackupCompleted) {
    }

    /**
     * One holder per stack, kept for as long as the stack exists: a gauge holds its object weakly, so the rows read
     * these (strongly held here) and a new observation only changes what the holder points at.
     */
    private final Map<Key, AtomicReference<Observation>> observations = new ConcurrentHashMap<>();
    private final MultiGauge ready;
    private final MultiGauge replicasDesired;
    private final MultiGauge lastBackup;

    public StackMetrics(MeterRegistry registry) {
        ready = MultiGauge.builder(READY)
                .description("1 when the MessageStack's Ready condition is True, else 0").register(registry);
        replicasDesired = MultiGauge.builder(DATABASE_REPLICAS_DESIRED)
                .description("spec.database.replicas: the Galera cluster size the stack should have")
                .register(registry);
        lastBackup = MultiGauge.builder(BACKUP_LAST_COMPLETED).baseUnit("seconds")
                .description("Unix time at which the newest Completed MessageStackBackup of the stack ended")
                .register(registry);
    }

    /**
     * Records one stack's observation and drops the stacks that are not in {@code existing} (deleted since), then
     * republishes every gauge.
     */
    public synchronized void record(Key stack, Observation observation, Set<Key> existing) {
        observations.computeIfAbsent(stack, k -> new AtomicReference<>()).set(observation);
        observations.keySet().retainAll(existing);
        publish();
    }

    /**
     * Drops the stacks that are not in {@code existing} (deleted since); nothing else changes. The set is read under
     * the same lock as {@link #record}, so a stack recorded just before is in it.
     */
    public synchronized void retain(java.util.function.Supplier<Set<Key>> existing) {
        if (observations.keySet().retainAll(existing.get())) {
            publish();
        }
    }

    private void publish() {
        ready.register(rows(o -> Optional.of(o.ready() ? 1 : 0)), true);
        replicasDesired.register(rows(o -> Optional.of(o.databaseReplicasDesired())), true);
        lastBackup.register(rows(o -> o.lastBackupCompleted().map(Instant::getEpochSecond)), true);
    }

    /** The last recorded backup time of a stack (empty when none is known). */
    public Optional<Instant> lastBackupCompleted(Key stack) {
        AtomicReference<Observation> holder = observations.get(stack);
        return holder == null ? Optional.empty() : holder.get().lastBackupCompleted();
    }

    private List<MultiGauge.Row<?>> rows(Function<Observation, Optional<? extends Number>> value) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        observations.forEach((key, holder) -> {
            if (value.apply(holder.get()).isPresent()) {
                rows.add(MultiGauge.Row.of(Tags.of(NAMESPACE_TAG, key.namespace(), STACK_TAG, key.name()), holder,
                        h -> value.apply(h.get()).map(Number::doubleValue).orElse(Double.NaN)));
            }
        });
        return rows;
    }
}
