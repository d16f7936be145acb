package io.messagestack.api.warmup;

import java.net.URI;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.ObservesAsync;
import jakarta.enterprise.inject.Instance;

import org.jboss.logging.Logger;

import io.agroal.api.AgroalDataSource;
import io.messagestack.api.database.SchemaMigration;
import io.messagestack.api.message.CreateRehearsal;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.http.HttpServer;
import io.quarkus.vertx.http.HttpServerStart;

/**
 * Warms the JVM before the instance takes traffic. A new pod is sent 1/N of the connections
 * as soon as it is Ready; cold, its first requests (class loading, JIT, first Hibernate queries,
 * Jackson, filling the pool) took over 2 s on a loaded node and the clients timed out. So once
 * the schema is migrated and the HTTP server listens, this runs rounds of real requests against
 * its own port ({@link SelfRequests}), a rolled-back create ({@link CreateRehearsal}) and fills
 * the pool to its minimum, until a round is fast ({@link WarmUpPlan}); {@link WarmUpReadiness}
 * reports DOWN until then, and UP anyway once the time budget is spent.
 */
@ApplicationScoped
public class WarmUp {

    private static final Logger LOG = Logger.getLogger(WarmUp.class);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

    enum Phase { DISABLED, WAITING, RUNNING, DONE }

    /** What readiness shows. */
    record Status(boolean ready, String detail, int rounds, long elapsedMs) {
    }

    private final WarmUpConfig config;
    private final WarmUpPlan plan;
    private final SchemaMigration schema;
    private final CreateRehearsal rehearsal;
    private final AgroalDataSource pool;
    private final Instance<HttpServer> server;

    private volatile Phase phase = Phase.WAITING;
    private volatile URI base;
    private volatile long startedNanos;
    private volatile int round;
    private volatile String detail = "waiting for the schema and the HTTP server";

    WarmUp(WarmUpConfig config, SchemaMigration schema, CreateRehearsal rehearsal, AgroalDataSource pool,
            Instance<HttpServer> server) {
        this.config = config;
        this.plan = new WarmUpPlan(config.minRounds(), config.maxRounds(), config.fastRound().toMillis(),
                config.budget().toMillis());
        this.schema = schema;
        this.rehearsal = rehearsal;
        this.pool = pool;
        this.server = server;
    }

    void onStart(@Observes StartupEvent event) {
        if (!config.enabled()) {
            phase = Phase.DISABLED;
            detail = "disabled";
            return;
        }
        Thread thread = new Thread(this::run, "warm-up");
        thread.setDaemon(true);
        thread.start();
    }

    void onHttpServerStart(@ObservesAsync HttpServerStart start) {
        int port = start.options().getPort();
        if (port <= 0 && server.isResolvable()) {
            port = server.get().getPort(); // a random port (tests): the one actually bound
        }
        String host = start.options().getHost();
        if (host == null || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
            host = "127.0.0.1";
        }
        base = URI.create("http://" + (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port);
    }

    Status status() {
        return switch (phase) {
            case DISABLED -> new Status(true, detail, 0, 0);
            case WAITING -> new Status(false, detail, 0, 0);
            case DONE -> new Status(true, detail, round, elapsedMs());
            case RUNNING -> {
                long elapsed = elapsedMs();
                // The bound holds even when a round hangs: the thread logs when it returns.
                yield plan.pastBudget(elapsed)
                        ? new Status(true, "budget of " + plan.budgetMs() + " ms spent in round " + round + ", ready anyway", round, elapsed)
                        : new Status(false, detail, round, elapsed);
            }
        };
    }

    private long elapsedMs() {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }

    private void run() {
        try {
            // 10 ms: every millisecond here is start-to-ready (a 200 ms poll cost ~150 ms per start).
            while (!schema.done() || base == null) {
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        SelfRequests requests = new SelfRequests(base);
        int minPool = pool.getConfiguration().connectionPoolConfiguration().minSize();
        startedNanos = System.nanoTime();
        phase = Phase.RUNNING;
        LOG.infof("event=warm_up_started base=%s concurrency=%d min_rounds=%d max_rounds=%d fast_round_ms=%d budget_ms=%d pool_min=%d",
                base, config.concurrency(), plan.minRounds(), plan.maxRounds(), plan.fastRoundMs(), plan.budgetMs(), minPool);
        List<Long> roundMs = new ArrayList<>();
        List<String> problems = List.of();
        WarmUpPlan.Decision decision;
        ExecutorService workers = Executors.newFixedThreadPool(Math.max(1, config.concurrency()), r -> {
            Thread t = new Thread(r, "warm-up-client");
            t.setDaemon(true);
            return t;
        });
        try {
            do {
                round++;
                detail = "round " + round + " of at most " + plan.maxRounds() + " running";
                long roundStart = System.nanoTime();
                problems = runRound(requests, workers, minPool);
                long took = (System.nanoTime() - roundStart) / 1_000_000;
                roundMs.add(took);
                decision = plan.afterRound(round, took, problems.isEmpty(), elapsedMs());
                if (!decision.stop()) {
                    detail = "round " + round + " took " + took + " ms" + (problems.isEmpty() ? "" : ", " + problems.size()
                            + " unexpected answers") + "; round " + (round + 1) + " next";
                }
            } while (!decision.stop() && !Thread.currentThread().isInterrupted());
        } finally {
            workers.shutdownNow();
        }
        long total = elapsedMs();
        String rounds = roundMs.stream().map(String::valueOf).collect(Collectors.joining(","));
        detail = decision + " after " + round + " rounds (" + rounds + " ms)";
        phase = Phase.DONE;
        if (decision == WarmUpPlan.Decision.WARM) {
            LOG.infof("event=warm_up_done outcome=%s rounds=%d round_ms=%s total_ms=%d pool_active=%d pool_available=%d",
                    decision, round, rounds, total, pool.getMetrics().activeCount(), pool.getMetrics().availableCount());
        } else {
            LOG.warnf("event=warm_up_done outcome=%s rounds=%d round_ms=%s total_ms=%d last_problems=\"%s\" (ready anyway)",
                    decision, round, rounds, total, String.join("; ", problems).replace('"', '\''));
        }
    }

    /** One round: the request pass in parallel copies, the rolled-back create, the pool filled. */
    private List<String> runRound(SelfRequests requests, ExecutorService workers, int minPool) {
        Duration timeout = Duration.ofMillis(Math.min(REQUEST_TIMEOUT.toMillis(), plan.remainingMs(elapsedMs())));
        List<Future<List<String>>> copies = new ArrayList<>();
        for (int i = 0; i < Math.max(1, config.concurrency()); i++) {
            copies.add(workers.submit(() -> requests.runOnce(timeout)));
        }
        List<String> problems = new ArrayList<>();
        try {
            rehearsal.run(requests.base());
        } catch (RuntimeException e) {
            problems.add("rehearsed create: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        problems.addAll(fillPool(minPool));
        for (Future<List<String>> copy : copies) {
            try {
                problems.addAll(copy.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                problems.add("interrupted");
            } catch (Exception e) {
                problems.add("requests: " + e.getClass().getSimpleName());
            }
        }
        return problems.stream().distinct().toList();
    }

    /** Holds min-size connections at once, so that many are open and validated before traffic. */
    private List<String> fillPool(int minSize) {
        List<Connection> held = new ArrayList<>();
        try {
            for (int i = 0; i < minSize; i++) {
                Connection connection = pool.getConnection();
                held.add(connection);
                connection.isValid(1);
            }
            return List.of();
        } catch (Exception e) {
            return List.of("pool: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        } finally {
            for (Connection connection : held) {
                try {
                    connection.close();
                } catch (Exception ignored) {
                    // returning it to the pool failed: the pool drops it
                }
            }
        }
    }
}
