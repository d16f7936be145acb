package io.messagestack.api.galera;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.messagestack.api.support.ApiProcess;
import io.messagestack.api.support.Galera;
import io.messagestack.api.support.Http;

/**
 * SIGKILL of HAProxy under a steady create load from two instances: every pooled and in-flight
 * connection is cut at once. HAProxy is started again 300 ms later, standing in for Kubernetes
 * sending the next connections to the other HAProxy replica. The clients never resend, so every
 * answer counts: all must be 201, none lost, none stored twice (half the writers send no
 * Idempotency-Key, so only the service's own retries and its server-made keys protect them).
 */
class ProxyKillIT {

    static final int WRITERS = 6;
    /** The kill comes once every writer has stored something (warm JVMs, full pools), at most this late. */
    static final long WARM_UP_MAX_MS = 60_000;
    static final long BEFORE_KILL_MS = 1_000;
    static final long DOWN_MS = 300;
    static final long AFTER_KILL_MS = 5_000;

    static ApiProcess api1;
    static ApiProcess api2;

    @BeforeAll
    static void start() throws Exception {
        Galera.requireRunning();
        api1 = ApiProcess.start("api-proxykill-1", Galera.haproxyUrl(), Map.of());
        api2 = ApiProcess.start("api-proxykill-2", Galera.haproxyUrl(), Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        if (api1 != null) {
            api1.close();
        }
        if (api2 != null) {
            api2.close();
        }
        Galera.restore();
    }

    @Test
    void killingHaproxyFailsNoRequestAndLosesOrDuplicatesNothing() throws Exception {
        String run = "pk" + System.currentTimeMillis() + "-";
        Map<String, Long> acked = new ConcurrentHashMap<>();
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger requests = new AtomicInteger();
        AtomicLong slowestMs = new AtomicLong();
        AtomicBoolean writing = new AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicIntegerArray ackedPerWriter = new java.util.concurrent.atomic.AtomicIntegerArray(WRITERS);

        ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
        List<Future<?>> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            ApiProcess api = w % 2 == 0 ? api1 : api2;
            boolean keyed = w < WRITERS / 2;
            int writer = w;
            writers.add(pool.submit(() -> {
                for (int i = 0; writing.get(); i++) {
                    String subject = run + writer + "-" + i;
                    long sent = System.nanoTime();
                    requests.incrementAndGet();
                    try {
                        HttpResponse<String> r = Http.post(api.uri("/api/messages/"), Http.messageJson(subject, "proxy kill"),
                                keyed ? "key-" + subject : null);
                        if (r.statusCode() == 201) {
                            acked.put(subject, Http.pkOf(r.body()));
                            ackedPerWriter.incrementAndGet(writer);
                        } else {
                            failures.add(subject + " -> " + r.statusCode() + " " + r.body());
                        }
                    } catch (IOException e) {
                        failures.add(subject + " -> " + e);
                    }
                    slowestMs.accumulateAndGet((System.nanoTime() - sent) / 1_000_000, Math::max);
                }
                return null;
            }));
        }

        long warmUpStart = System.nanoTime();
        while (!everyWriterStored(ackedPerWriter, 2) && Galera.since(warmUpStart).toMillis() < WARM_UP_MAX_MS) {
            Thread.sleep(100);
        }
        Thread.sleep(BEFORE_KILL_MS);
        int ackedBeforeKill = acked.size();
        long pid = Galera.killHaproxy();
        Thread.sleep(DOWN_MS);
        Galera.startHaproxy();
        Thread.sleep(AFTER_KILL_MS);
        writing.set(false);
        for (Future<?> f : writers) {
            f.get();
        }
        pool.shutdown();

        Map<String, List<Long>> stored = new HashMap<>();
        try (Connection n2 = Galera.connectCausal(2);
                PreparedStatement s = n2.prepareStatement("SELECT subject, id FROM message WHERE subject LIKE ?")) {
            s.setString(1, run + "%");
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    stored.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getLong(2));
                }
            }
        }
        List<String> lost = acked.entrySet().stream()
                .filter(a -> !stored.getOrDefault(a.getKey(), List.of()).contains(a.getValue())).map(Map.Entry::getKey).sorted().toList();
        List<String> duplicated = stored.entrySet().stream().filter(e -> e.getValue().size() > 1)
                .map(e -> e.getKey() + "=" + e.getValue()).sorted().toList();
        long retries = countRetries(api1.log()) + countRetries(api2.log());

        String summary = String.format("proxy kill: killed haproxy (pid %d) %d ms after warm-up, back after %d ms; requests %d, "
                + "acknowledged %d (%d before the kill), failed %d, slowest %d ms, service retries logged %d, lost %d, duplicated %d",
                pid, BEFORE_KILL_MS, DOWN_MS, requests.get(), acked.size(), ackedBeforeKill, failures.size(), slowestMs.get(),
                retries, lost.size(), duplicated.size());
        System.out.println(summary);
        Files.createDirectories(Path.of("target", "it-results"));
        Files.writeString(Path.of("target", "it-results", "proxy-kill.txt"), summary + "\n");

        assertTrue(retries > 0, "no retry was logged: the kill cut nothing, so the test proved nothing");
        assertEquals(List.of(), failures, "requests answered with something other than 201");
        assertEquals(List.of(), lost, "acknowledged writes missing");
        assertEquals(List.of(), duplicated, "messages stored more than once");
        assertTrue(ackedBeforeKill >= 2 * WRITERS, "the load never warmed up before the kill");
        // Checked before the rest: a request failing during the warm-up is a slow machine, not the kill.
        assertTrue(everyWriterStored(ackedPerWriter, 2), "not every writer stored two messages before the kill");
        assertTrue(acked.size() > ackedBeforeKill, "no write succeeded after the kill");
    }

    /** Whether every writer has had at least {@code n} writes acknowledged. */
    static boolean everyWriterStored(java.util.concurrent.atomic.AtomicIntegerArray perWriter, int n) {
        for (int w = 0; w < perWriter.length(); w++) {
            if (perWriter.get(w) < n) {
                return false;
            }
        }
        return true;
    }

    static long countRetries(Path log) throws IOException {
        return Files.readAllLines(log).stream().filter(l -> l.contains("event=db_retry ")).count();
    }
}
