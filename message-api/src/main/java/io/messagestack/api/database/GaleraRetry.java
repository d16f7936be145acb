package io.messagestack.api.database;

import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;

import org.hibernate.Session;
import org.jboss.logging.Logger;

import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * Runs a unit of work in its own transaction and runs it again, within a time budget and a
 * bounded number of attempts with backoff, when Galera rejects it (certification conflict) or
 * the database path fails (node or HAProxy gone, node not ready). Each attempt bounds its own
 * network waits, so one stuck on a dead connection is given up and the next one runs on a fresh
 * connection. A session given up may still run on the server (a stalled commit):
 * {@link AbandonedConnections} counts them and caps the pool, and no attempt starts while they fill it.
 * The work must be safe to run twice: see {@link Attempt}.
 */
@ApplicationScoped
public class GaleraRetry {

    private static final Logger LOG = Logger.getLogger(GaleraRetry.class);
    /** At most one pool flush per this many milliseconds: a failover fails many requests at once. */
    private static final long FLUSH_INTERVAL_MS = 500;

    private final RetryConfig config;
    private final MeterRegistry meters;
    private final Backoff backoff;
    private final RetryBudget budget;
    private final EntityManager entityManager;
    private final AgroalDataSource pool;
    private final AbandonedConnections abandoned;
    private final AtomicLong lastFlushNanos = new AtomicLong(System.nanoTime() - FLUSH_INTERVAL_MS * 1_000_000);

    GaleraRetry(RetryConfig config, MeterRegistry meters, EntityManager entityManager, AgroalDataSource pool,
            AbandonedConnections abandoned) {
        this.config = config;
        this.abandoned = abandoned;
        this.meters = meters;
        this.entityManager = entityManager;
        this.pool = pool;
        this.backoff = new Backoff(config.initialBackoff(), config.maxBackoff());
        this.budget = new RetryBudget(config.budget(), config.attemptTimeout());
    }

    public <T> T inTransaction(String operation, Function<Attempt, T> work) {
        long started = System.nanoTime();
        boolean outcomeUnknown = false;
        boolean lookupPastBudget = false;
        for (int number = 1;; number++) {
            Attempt attempt = new Attempt(number, outcomeUnknown);
            long timeoutMs = lookupPastBudget ? config.attemptTimeout().toMillis()
                    : Math.max(budget.attemptTimeoutMs(number, System.nanoTime() - started), RetryBudget.MIN_ATTEMPT_MS);
            if (abandoned.fullAfterCheck()) {
                // As many sessions this process gave up still run on the server as the pool may hold beside its
                // minimum (a stall: flow control, a lock). Another attempt would only add one: answer 503 now.
                meters.counter("messagestack.db.abandoned.refusals", "operation", operation).increment();
                LOG.warnf("event=db_attempt_refused operation=%s attempt=%d abandoned_sessions=%d limit=%d",
                        operation, number, abandoned.count(), abandoned.limit());
                throw new DatabaseUnavailableException(operation, number - 1, null);
            }
            long[] serverThread = {0};
            try {
                return QuarkusTransaction.requiringNew().call(() -> {
                    serverThread[0] = boundNetworkWaits(timeoutMs);
                    return work.apply(attempt);
                });
            } catch (RuntimeException e) {
                FailureKind kind = FailureClassifier.classify(e);
                if (kind == FailureKind.UNAVAILABLE) {
                    // Given up with the outcome unknown: its server session may still run (counted until it ends).
                    abandoned.record(serverThread[0]);
                }
                if (!kind.retryable()) {
                    throw e;
                }
                long elapsed = System.nanoTime() - started;
                meters.counter("messagestack.db.retries", "operation", operation, "reason", kind.name()).increment();
                if (kind == FailureKind.UNAVAILABLE) {
                    outcomeUnknown = true;
                    evictIdleConnections();
                }
                Duration pause = backoff.pauseAfter(number, ThreadLocalRandom.current()::nextDouble);
                boolean outOfBudget = number >= config.maxAttempts() || !budget.roomFor(pause, elapsed);
                if (outOfBudget && kind == FailureKind.DUPLICATE_KEY && !lookupPastBudget) {
                    // The twin (often our own earlier attempt, whose commit answer was lost) has
                    // just committed: one more attempt only reads its row. Giving up now would
                    // answer an error for a write that is stored.
                    lookupPastBudget = true;
                    pause = Duration.ZERO;
                    outOfBudget = false;
                }
                if (outOfBudget) {
                    meters.counter("messagestack.db.retries.exhausted", "operation", operation, "reason", kind.name())
                            .increment();
                    LOG.warnf("event=db_retries_exhausted operation=%s attempts=%d reason=%s %s elapsed_ms=%d error=\"%s\"",
                            operation, number, kind, causeFields(e), elapsed / 1_000_000, rootMessage(e));
                    throw kind == FailureKind.UNAVAILABLE
                            ? new DatabaseUnavailableException(operation, number, e)
                            : new WriteConflictException(operation, number, e);
                }
                LOG.infof("event=db_retry operation=%s attempt=%d reason=%s %s elapsed_ms=%d attempt_timeout_ms=%d pause_ms=%d error=\"%s\"",
                        operation, number, kind, causeFields(e), elapsed / 1_000_000, timeoutMs, pause.toMillis(),
                        rootMessage(e));
                sleep(pause, operation, number, e);
            }
        }
    }

    /**
     * Bounds every read on this attempt's connection (statements and the commit). The driver
     * closes the connection when the timeout fires, the pool drops it (SQL state 08), and the
     * attempt fails as UNAVAILABLE.
     */
    private long boundNetworkWaits(long timeoutMs) {
        long[] threadId = {0};
        entityManager.unwrap(Session.class).doWork(connection -> {
            connection.setNetworkTimeout(Runnable::run, (int) timeoutMs);
            threadId[0] = serverThreadId(connection);
        });
        return threadId[0];
    }

    /** The server's id of this connection's session (the driver knows it from the handshake; 0 if not). */
    static long serverThreadId(java.sql.Connection connection) {
        try {
            if (connection.isWrapperFor(com.mysql.cj.jdbc.JdbcConnection.class)) {
                return connection.unwrap(com.mysql.cj.jdbc.JdbcConnection.class).getId();
            }
        } catch (SQLException e) {
            LOG.debugf("event=db_thread_id_unknown error=\"%s\"", e.getMessage());
        }
        return 0;
    }

    /**
     * After a lost connection the pool's idle connections most likely went the same way (HAProxy
     * cut them all, or the pod behind them is gone); without this a retry would borrow the next
     * dead one. Connections in use by other requests are left alone: they fail on their own.
     */
    private void evictIdleConnections() {
        long last = lastFlushNanos.get();
        long now = System.nanoTime();
        if (now - last < FLUSH_INTERVAL_MS * 1_000_000 || !lastFlushNanos.compareAndSet(last, now)) {
            return;
        }
        try {
            pool.flush(AgroalDataSource.FlushMode.IDLE);
            meters.counter("messagestack.db.pool.flushes").increment();
        } catch (RuntimeException e) {
            LOG.warnf("event=db_pool_flush_failed error=\"%s\"", rootMessage(e));
        }
    }

    private static void sleep(Duration pause, String operation, int attempts, RuntimeException cause) {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new DatabaseUnavailableException(operation, attempts, cause);
        }
    }

    /** cause=<root exception class> sql_state=<state> error_code=<code> of the first SQLException in the chain. */
    static String causeFields(Throwable e) {
        SQLException sql = null;
        for (Throwable t : FailureClassifier.causesOf(e)) {
            if (t instanceof SQLException s) {
                sql = s;
                break;
            }
        }
        return String.format("cause=%s sql_state=%s error_code=%s", rootOf(e).getClass().getSimpleName(),
                sql == null || sql.getSQLState() == null ? "-" : sql.getSQLState(),
                sql == null ? "-" : Integer.toString(sql.getErrorCode()));
    }

    private static Throwable rootOf(Throwable e) {
        Throwable root = e;
        // Bounded: a cause chain can loop.
        for (int depth = 0; depth < 32 && root.getCause() != null && root.getCause() != root; depth++) {
            root = root.getCause();
        }
        return root;
    }

    static String rootMessage(Throwable e) {
        Throwable root = rootOf(e);
        String message = root.getClass().getSimpleName() + ": " + root.getMessage();
        return message.replace('"', '\'').replace('\n', ' ');
    }
}
