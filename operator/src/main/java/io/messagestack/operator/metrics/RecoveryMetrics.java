package io.messagestack.operator.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The durations users care about, per stack, as Prometheus histograms (fixed buckets, so they aggregate across
 * operator replicas and restarts), and the writer moves as a counter. Fed once per reconcile by the reconciler
 * with what it observed ({@link Observation}); the episodes themselves are decided by {@link Episodes},
 * {@link ScalingSteps} and {@link StatusDurations} (pure). Labels {@code stack_namespace}, {@code stack} as in
 * {@link StackMetrics}; a deleted stack's series go at the next reconcile of any stack.
 */
public final class RecoveryMetrics {
    public static final String FULL_CRASH_RECOVERY = "messagestack.full.crash.recovery";
    public static final String TIME_TO_READY = "messagestack.time.to.ready";
    public static final String SCALING_STEP = "messagestack.database.scaling.step";
    public static final String WRITER_MOVES = "messagestack.writer.moves";
    public static final String WRITER_TIME_BETWEEN_MOVES = "messagestack.writer.time.between.moves";

    /** Seconds: a failover is seconds, a full crash tens of seconds, an SST or a node's restart minutes. */
    static final Duration[] RECOVERY_BUCKETS = seconds(5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600, 1200);
    /** Between writer moves: minutes to days. */
    static final Duration[] BETWEEN_MOVES_BUCKETS = seconds(60, 300, 900, 3600, 4 * 3600, 24 * 3600, 7 * 24 * 3600);

    /**
     * One reconcile's view. {@code fullCrash}: FullCrashRecovery decided a wait, refusal or bootstrap (no Primary
     * component and the nodes wait for a decision); {@code primary}: a node reports a Primary component.
     */
    public record Observation(boolean fullCrash, boolean primary, int databaseReplicasApplied, int databaseReady,
                              Optional<StatusDurations.ReadyAgain> timeToReady,
                              Optional<StatusDurations.WriterMove> writerMove) {
    }

    private final MeterRegistry registry;
    private final Episodes fullCrashes = new Episodes();
    private final ScalingSteps scalingSteps = new ScalingSteps();
    private final Map<StackMetrics.Key, Set<Meter.Id>> meters = new ConcurrentHashMap<>();
    /** The last episode counted per stack and kind: a reconcile on a stale status sees the same change again. */
    private final Map<StackMetrics.Key, String> lastReadyAgain = new ConcurrentHashMap<>();
    private final Map<StackMetrics.Key, String> lastWriterMove = new ConcurrentHashMap<>();

    public RecoveryMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public synchronized void record(StackMetrics.Key key, Observation o, Instant now, Set<StackMetrics.Key> existing) {
        forget(existing);
        fullCrashes.update(key, o.fullCrash(), o.primary(), now)
                .ifPresent(d -> timer(key, FULL_CRASH_RECOVERY, "full database crash: from the operator's detection"
                        + " (nodes waiting for a bootstrap decision) to a Primary component", RECOVERY_BUCKETS, Tags.empty())
                        .record(d));
        o.timeToReady().filter(r -> firstTime(lastReadyAgain, key, r.episode()))
                .ifPresent(r -> timer(key, TIME_TO_READY, "from the stack's Ready condition turning False"
                        + " (after it was Ready) to Ready again", RECOVERY_BUCKETS, Tags.empty()).record(r.took()));
        scalingSteps.update(key, o.databaseReplicasApplied(), o.databaseReady(), now)
                .ifPresent(s -> timer(key, SCALING_STEP, "one database scaling step: from the operator applying the"
                        + " new node count to that many database pods Ready", RECOVERY_BUCKETS,
                        Tags.of("direction", s.direction())).record(s.took()));
        o.writerMove().filter(m -> firstTime(lastWriterMove, key, m.episode())).ifPresent(m -> {
            Counter c = Counter.builder(WRITER_MOVES).description("moves of the configured writer (status.writer):"
                            + " switchover, scale-down, rolling update").tags(tags(key).and("reason", m.reason()))
                    .register(registry);
            remember(key, c.getId());
            c.increment();
            m.sincePrevious().ifPresent(d -> timer(key, WRITER_TIME_BETWEEN_MOVES, "time between two moves of the"
                    + " configured writer", BETWEEN_MOVES_BUCKETS, Tags.empty()).record(d));
        });
    }

    /** True the first time this episode is seen for the stack; it is then the last one seen. */
    private static boolean firstTime(Map<StackMetrics.Key, String> last, StackMetrics.Key key, String episode) {
        return !episode.equals(last.put(key, episode));
    }

    /** Drops the series of stacks that are not in {@code existing} (deleted since). */
    public synchronized void retain(java.util.function.Supplier<Set<StackMetrics.Key>> existing) {
        forget(existing.get());
    }

    private Timer timer(StackMetrics.Key key, String name, String description, Duration[] buckets, Tags extra) {
        Timer t = Timer.builder(name).description(description).tags(tags(key).and(extra))
                .serviceLevelObjectives(buckets).register(registry);
        remember(key, t.getId());
        return t;
    }

    private void remember(StackMetrics.Key key, Meter.Id id) {
        meters.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(id);
    }

    /** Drops the series and episodes of stacks that no longer exist. */
    private void forget(Set<StackMetrics.Key> existing) {
        for (var entry : Map.copyOf(meters).entrySet()) {
            if (!existing.contains(entry.getKey())) {
                entry.getValue().forEach(registry::remove);
                meters.remove(entry.getKey());
            }
        }
        fullCrashes.retain(existing);
        scalingSteps.retain(existing);
        lastReadyAgain.keySet().retainAll(existing);
        lastWriterMove.keySet().retainAll(existing);
    }

    private static Tags tags(StackMetrics.Key key) {
        return Tags.of(StackMetrics.NAMESPACE_TAG, key.namespace(), StackMetrics.STACK_TAG, key.name());
    }

    private static Duration[] seconds(long... values) {
        Duration[] out = new Duration[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Duration.ofSeconds(values[i]);
        }
        return out;
    }
}
