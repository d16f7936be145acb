package io.messagestack.api.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.messagestack.api.support.ApiProcess;
import io.messagestack.api.support.Http;
import io.messagestack.api.support.TestServers;

/**
 * Writes stall on the server (another session holds LOCK TABLES message WRITE, as a commit paused by Galera flow
 * control stalls on the kind lab) while clients keep sending creates. Each attempt gives up after its network
 * timeout, but its server session keeps waiting for the lock; before the bound the retries opened fresh
 * connections beside them until the server's max_connections was full. Now the application's sessions on the
 * server stay within the pool's configured maximum plus its minimum (24 + 2), the API answers 503 instead, and
 * creates succeed again soon after the lock is released.
 */
class StalledWritesBoundIT {

    static final int POOL_MAX = 24;
    static final int POOL_MIN = 2;
    static final int CLIENTS = 40;
    static final long STALL_MS = 20_000;

    static ApiProcess api;

    @BeforeAll
    static void start() {
        TestServers.requireListening(TestServers.SINGLE_MARIADB, "The test MariaDB", "hack/api/start-mariadb.sh");
        api = ApiProcess.start("api-stalled-writes", TestServers.jdbcUrl(TestServers.SINGLE_MARIADB),
                Map.of("QUARKUS_DATASOURCE_JDBC_MAX_SIZE", Integer.toString(POOL_MAX),
                        "QUARKUS_DATASOURCE_JDBC_MIN_SIZE", Integer.toString(POOL_MIN)));
    }

    @AfterAll
    static void stop() {
        if (api != null) {
            api.close();
        }
    }

    static Connection connect() throws Exception {
        return DriverManager.getConnection(TestServers.jdbcUrl(TestServers.SINGLE_MARIADB), TestServers.USER,
                TestServers.PASSWORD);
    }

    static long connectionId(Connection c) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT CONNECTION_ID()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void sessionsOnTheServerStayWithinThePoolWhileWritesStall() throws Exception {
        HttpResponse<String> before = Http.post(api.uri("/api/messages"), Http.messageJson("stall-before", "b"),
                UUID.randomUUID().toString());
        assertEquals(201, before.statusCode(), before.body());

        Map<Integer, AtomicInteger> answers = new ConcurrentHashMap<>();
        int most = 0;
        try (Connection locker = connect(); Connection sampler = connect()) {
            long lockerId = connectionId(locker);
            long samplerId = connectionId(sampler);
            try (Statement s = locker.createStatement()) {
                s.execute("LOCK TABLES message WRITE");
            }
            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            long until = System.currentTimeMillis() + STALL_MS;
            for (int i = 0; i < CLIENTS; i++) {
                clients.submit(() -> {
                    while (System.currentTimeMillis() < until) {
                        int code;
                        try {
                            code = Http.post(api.uri("/api/messages"), Http.messageJson("stall", "x"),
                                    UUID.randomUUID().toString()).statusCode();
                        } catch (Exception e) {
                            code = -1;
                        }
                        answers.computeIfAbsent(code, k -> new AtomicInteger()).incrementAndGet();
                    }
                });
            }
            String count = "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = '" + TestServers.USER
                    + "' AND ID NOT IN (" + lockerId + "," + samplerId + ")";
            while (System.currentTimeMillis() < until) {
                try (Statement s = sampler.createStatement(); ResultSet rs = s.executeQuery(count)) {
                    rs.next();
                    most = Math.max(most, rs.getInt(1));
                }
                Thread.sleep(200);
            }
            try (Statement s = locker.createStatement()) {
                s.execute("UNLOCK TABLES");
            }
            clients.shutdown();
            assertTrue(clients.awaitTermination(60, TimeUnit.SECONDS), "clients finished");
        }
        System.out.printf("stalled writes: most application sessions on the server %d (bound %d), answers %s%n",
                most, POOL_MAX + POOL_MIN, answers);
        assertTrue(most <= POOL_MAX + POOL_MIN, "application sessions on the server during the stall: " + most
                + ", bound " + (POOL_MAX + POOL_MIN) + "; answers " + answers);
        assertTrue(answers.containsKey(503), "the stalled creates are answered 503: " + answers);
        assertTrue(!answers.containsKey(500) && !answers.containsKey(-1), "no 500 and no unanswered request: " + answers);

        // The sessions given up end once the lock is gone; creates work again.
        long deadline = System.currentTimeMillis() + 15_000;
        int last = 0;
        while (System.currentTimeMillis() < deadline) {
            last = Http.post(api.uri("/api/messages"), Http.messageJson("stall-after", "a"), UUID.randomUUID().toString())
                    .statusCode();
            if (last == 201) {
                break;
            }
            Thread.sleep(500);
        }
        assertEquals(201, last, "a create after the stall");
    }
}
