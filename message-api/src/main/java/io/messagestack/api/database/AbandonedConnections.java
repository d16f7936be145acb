package io.messagestack.api.database;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.AgroalConnectionPoolConfiguration;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Server sessions this process gave up but the server may still be running. {@link GaleraRetry} bounds each
 * attempt's network waits; when the wait ends, the driver closes its socket and the pool drops the connection,
 * but a server thread blocked in its statement or commit (a commit paused by Galera flow control, a table lock)
 * keeps its session until it notices the client is gone, which is after the block. Measured on the kind lab
 * (flow-control run, 2026-12-07): the retries' fresh connections piled up beside those sessions until they
 * filled the writer's max_connections (200).
 *
 * <p>So every session given up after an attempt whose outcome is unknown is recorded by its server thread id,
 * and the pool's maximum shrinks by their number: the pool's connections plus the abandoned sessions still
 * running stay within the configured maximum. Once {@link #full()}, GaleraRetry starts no attempt and answers
 * 503 at once instead of opening more. A background check asks the server which of the ids still run
 * (information_schema.PROCESSLIST: the application's user sees its own sessions without any privilege) and
 * forgets the others; it runs through the pool, so the server asked is the one HAProxy writes to now (after a
 * writer move the old writer's ids are absent there and are forgotten: they no longer hold this writer).
 */
@ApplicationScoped
public class AbandonedConnections {

    private static final Logger LOG = Logger.getLogger(AbandonedConnections.class);
    static final long CHECK_INTERVAL_MS = 500;
    static final int CHECK_TIMEOUT_MS = 2000;

    private final AgroalDataSource pool;
    private final int configuredMax;
    private final int configuredMin;
    private final Set<Long> ids = ConcurrentHashMap.newKeySet();
    private final ReentrantLock checking = new ReentrantLock();
    private final ScheduledExecutorService checker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "abandoned-connections-check");
        t.setDaemon(true);
        return t;
    });

    AbandonedConnections(AgroalDataSource pool, MeterRegistry meters) {
        this.pool = pool;
        AgroalConnectionPoolConfiguration config = pool.getConfiguration().connectionPoolConfiguration();
        this.configuredMax = config.maxSize();
        this.configuredMin = Math.max(1, config.minSize());
        Gauge.builder("messagestack.db.abandoned.sessions", ids, Set::size)
                .description("server sessions given up by this process (outcome unknown) that still run on the server")
                .register(meters);
        checker.scheduleWithFixedDelay(this::checkQuietly, CHECK_INTERVAL_MS, CHECK_INTERVAL_MS, TimeUnit.MILLISECONDS);
    }

    /** The most abandoned sessions before attempts stop: the pool keeps its minimum size beside them. */
    public int limit() {
        return Math.max(1, configuredMax - configuredMin);
    }

    /** Records a session given up with its outcome unknown (its server thread id; 0 or less: unknown, ignored). */
    public void record(long threadId) {
        if (threadId > 0 && ids.add(threadId)) {
            resizePool();
        }
    }

    public int count() {
        return ids.size();
    }

    /** No attempt may start: as many abandoned sessions run as the pool may have beside its minimum. */
    public boolean full() {
        return ids.size() >= limit();
    }

    /**
     * {@link #full()} after asking the server first: sessions of a node that died, or that HAProxy cut, are not
     * running on the server the pool reaches now, and must not keep the next attempts from running (a failover
     * gives up many sessions at once). One check at a time; a caller that waits for one uses its answer.
     */
    public boolean fullAfterCheck() {
        if (!full()) {
            return false;
        }
        try {
            if (checking.tryLock(CHECK_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                try {
                    if (full()) {
                        checkQuietly();
                    }
                } finally {
                    checking.unlock();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return full();
    }

    /** The pool's maximum: the configured one less the abandoned sessions that still run, never below its minimum. */
    int poolMaxFor(int abandoned) {
        return Math.max(configuredMin, configuredMax - abandoned);
    }

    private synchronized void resizePool() {
        int max = poolMaxFor(ids.size());
        AgroalConnectionPoolConfiguration config = pool.getConfiguration().connectionPoolConfiguration();
        if (config.maxSize() != max) {
            config.setMaxSize(max);
            LOG.infof("event=db_pool_resized max=%d abandoned_sessions=%d configured_max=%d", max, ids.size(), configuredMax);
        }
    }

    private void checkQuietly() {
        if (ids.isEmpty()) {
            return;
        }
        checking.lock();
        try {
            check();
        } catch (SQLException | RuntimeException e) {
            // Kept as they are: not knowing is no reason to open more sessions beside them.
            LOG.debugf("event=db_abandoned_check_failed abandoned_sessions=%d error=\"%s\"", ids.size(), e.getMessage());
        } finally {
            checking.unlock();
        }
    }

    /** Forgets the recorded ids that no longer run on the server. */
    void check() throws SQLException {
        Set<Long> asked = new HashSet<>(ids);
        if (asked.isEmpty()) {
            return;
        }
        Set<Long> running = new HashSet<>();
        try (Connection c = pool.getConnection()) {
            c.setNetworkTimeout(Runnable::run, CHECK_TIMEOUT_MS);
            String list = asked.stream().map(Object::toString).collect(Collectors.joining(","));
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT ID FROM information_schema.PROCESSLIST WHERE ID IN (" + list + ")")) {
                while (rs.next()) {
                    running.add(rs.getLong(1));
                }
            }
        }
        asked.removeAll(running);
        if (!asked.isEmpty()) {
            ids.removeAll(asked);
            resizePool();
            LOG.infof("event=db_abandoned_sessions_ended ended=%d still_running=%d", asked.size(), ids.size());
        }
    }

    @PreDestroy
    void stop() {
        checker.shutdownNow();
    }
}
