package io.messagestack.api.galera;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.messagestack.api.support.ApiProcess;
import io.messagestack.api.support.Galera;
import io.messagestack.api.support.Http;

/**
 * Two API instances writing through two different Galera nodes (A on n1, B on n2): the
 * multi-writer case that provokes real certification conflicts.
 */
class GaleraWritesIT {

    static ApiProcess a;
    static ApiProcess b;

    @BeforeAll
    static void startTwoInstancesOnTwoNodes() {
        Galera.requireRunning();
        // B reads causally (wsrep_sync_wait), so a read sees every write the cluster committed before it.
        a = ApiProcess.start("api-n1", Galera.nodeUrl(1), Map.of());
        b = ApiProcess.start("api-n2", Galera.nodeUrl(2) + "&sessionVariables=wsrep_sync_wait=1", Map.of());
    }

    @AfterAll
    static void stop() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    @BeforeEach
    void empty() throws Exception {
        Galera.clearMessages();
    }

    @Test
    void aWriteThroughOneNodeIsReadFromAnother() throws Exception {
        HttpResponse<String> created = Http.post(a.uri("/api/messages/"), Http.messageJson("replicated", "via n1"), null);
        assertEquals(201, created.statusCode(), created.body());
        assertEquals("api-n1", created.headers().firstValue("X-Served-By").orElse(""));
        long pk = Http.pkOf(created.body());

        HttpResponse<String> read = Http.get(b.uri("/api/messages/" + pk + "/"));
        assertEquals(200, read.statusCode(), read.body());
        assertEquals("api-n2", read.headers().firstValue("X-Served-By").orElse(""));
        assertTrue(read.body().contains("\"subject\":\"replicated\""), read.body());

        try (Connection n3 = Galera.connectCausal(3); Statement s = n3.createStatement();
                ResultSet rs = s.executeQuery("SELECT subject FROM message WHERE id = " + pk)) {
            assertTrue(rs.next(), "n3 does not have the row");
            assertEquals("replicated", rs.getString(1));
        }
    }

    @Test
    void concurrentConflictingUpdatesThroughTwoNodesEndIn200Or409() throws Exception {
        long pk = Http.pkOf(Http.post(a.uri("/api/messages/"), Http.messageJson("contended", "start"), null).body());
        double retriesBefore = conflictRetries(a) + conflictRetries(b);

        int threads = 8;
        int updatesEach = 40;
        ConcurrentMap<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        List<String> unexpected = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            ApiProcess target = t % 2 == 0 ? a : b;
            int thread = t;
            done.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < updatesEach; i++) {
                    HttpResponse<String> r = Http.put(target.uri("/api/messages/" + pk + "/"),
                            Http.messageJson("t" + thread + "-" + i, "body " + thread + "-" + i));
                    statuses.computeIfAbsent(r.statusCode(), k -> new AtomicInteger()).incrementAndGet();
                    boolean problemJson = r.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json");
                    if (r.statusCode() != 200 && !(r.statusCode() == 409 && problemJson)) {
                        unexpected.add(r.statusCode() + " " + r.body());
                    }
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();

        double retries = conflictRetries(a) + conflictRetries(b) - retriesBefore;
        System.out.printf("conflicting updates: statuses=%s conflict_retries=%.0f%n", new TreeMap<>(statuses), retries);
        assertEquals(List.of(), unexpected, "only 200 or a problem+json 409 are acceptable");
        assertTrue(retries > 0, "no certification conflict happened, so the test proved nothing; statuses " + statuses);
        assertTrue(statuses.getOrDefault(200, new AtomicInteger()).get() > 0);

        // Both nodes agree on the final row, and it is one of the values a client wrote.
        String viaA = Http.get(a.uri("/api/messages/" + pk + "/")).body();
        String viaB = Http.get(b.uri("/api/messages/" + pk + "/")).body();
        assertEquals(subjectOf(viaA), subjectOf(viaB));
        assertTrue(subjectOf(viaA).matches("t\\d-\\d+"), viaA);
    }

    @Test
    void theSameIdempotencyKeyThroughTwoNodesAtOnceStoresOneMessage() throws Exception {
        int rounds = 20;
        ExecutorService pool = Executors.newFixedThreadPool(4);
        for (int round = 0; round < rounds; round++) {
            String key = "race-" + round;
            String json = Http.messageJson("race " + round, "same content");
            CountDownLatch start = new CountDownLatch(1);
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (ApiProcess api : List.of(a, b, a, b)) {
                answers.add(pool.submit(() -> {
                    start.await();
                    return Http.post(api.uri("/api/messages/"), json, key);
                }));
            }
            start.countDown();
            Long pk = null;
            for (Future<HttpResponse<String>> answer : answers) {
                HttpResponse<String> r = answer.get();
                assertEquals(201, r.statusCode(), r.body());
                long got = Http.pkOf(r.body());
                if (pk == null) {
                    pk = got;
                }
                assertEquals(pk, got, "two different messages for one Idempotency-Key");
            }
        }
        pool.shutdown();
        try (Connection n3 = Galera.connectCausal(3); Statement s = n3.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*), COUNT(DISTINCT subject) FROM message")) {
            rs.next();
            assertEquals(rounds, rs.getInt(1));
            assertEquals(rounds, rs.getInt(2));
        }
    }

    static String subjectOf(String json) {
        Matcher m = Pattern.compile("\"subject\":\"([^\"]*)\"").matcher(json);
        assertTrue(m.find(), json);
        return m.group(1);
    }

    /** messagestack_db_retries_total{reason="CONFLICT"} summed over operations. */
    static double conflictRetries(ApiProcess api) throws Exception {
        String metrics = Http.get(api.uri("/q/metrics")).body();
        double sum = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith("messagestack_db_retries_total") && line.contains("reason=\"CONFLICT\"")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        assertNotEquals(-1, sum);
        return sum;
    }
}
