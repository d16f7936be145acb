package io.messagestack.api.galera;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
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
 * SIGKILL of the writer node (the one HAProxy sends writes to) under a steady write load through HAProxy: no acknowledged
 * write is lost and no message is stored twice. Half the writers send an Idempotency-Key and
 * resend on failure (as nginx or a careful client does); the other half send no key and never
 * resend, so only the service's own retries stand between them and a duplicate.
 */
class NodeKillIT {

    static final int WRITERS = 6;
    /** The kill comes this long after every writer has stored something (warm JVMs), or after the warm-up limit. */
    static final long BEFORE_KILL_MS = 2_000;
    static final long WARM_UP_MAX_MS = 60_000;
    static final long AFTER_KILL_MS = 15_000;
    static final long CLIENT_RESEND_BUDGET_MS = 30_000;

    static ApiProcess api1;
    static ApiProcess api2;

    @BeforeAll
    static void start() throws Exception {
        Galera.requireRunning();
        api1 = ApiProcess.start("api-1", Galera.haproxyUrl(), Map.of());
        api2 = ApiProcess.start("api-2", Galera.haproxyUrl(), Map.of());
        // After the instances started: they create the schema on a fresh cluster.
        Galera.clearMessages();
    }

    @AfterAll
    static void stopAndRestoreCluster() throws Exception {
        if (api1 != null) {
            api1.close();
        }
        if (api2 != null) {
            api2.close();
        }
        Galera.restore();
    }

    record Ack(String subject, long pk, long atMs) {
    }

    @Test
    void killingTheWriterNodeLosesAndDuplicatesNoAcknowledgedWrite() throws Exception {
        Map<String, Ack> acked = new ConcurrentHashMap<>();
        AtomicInteger keyedFailures = new AtomicInteger();
        AtomicInteger unkeyedFailures = new AtomicInteger();
        AtomicInteger attempts = new AtomicInteger();
        AtomicInteger errorAnswers = new AtomicInteger();
        AtomicLong slowestMs = new AtomicLong();
        AtomicBoolean writing = new AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicIntegerArray ackedPerWriter = new java.util.concurrent.atomic.AtomicIntegerArray(WRITERS);
        List<String> unexpected = java.util.Collections.synchronizedList(new ArrayList<>());
        long t0 = System.nanoTime();

        ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
        List<Future<?>> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            boolean keyed = w % 2 == 0;
            ApiProcess api = w % 2 == 0 ? api1 : api2;
            int writer = w;
            writers.add(pool.submit(() -> {
                for (int i = 0; writing.get(); i++) {
                    String subject = "w" + writer + "-" + i;
                    String key = keyed ? "kill-" + subject : null;
                    long first = System.nanoTime();
                    boolean stored = false;
                    while (!stored) {
                        attempts.incrementAndGet();
                        long sent = System.nanoTime();
                        try {
                            HttpResponse<String> r = Http.post(api.uri("/api/messages/"), Http.messageJson(subject, "kill test"), key);
                            slowestMs.accumulateAndGet((System.nanoTime() - sent) / 1_000_000, Math::max);
                            if (r.statusCode() == 201) {
                                acked.put(subject, new Ack(subject, Http.pkOf(r.body()), Galera.since(t0).toMillis()));
                                ackedPerWriter.incrementAndGet(writer);
                                stored = true;
                                continue;
                            }
                            errorAnswers.incrementAndGet();
                            if (r.statusCode() < 500) {
                                unexpected.add(subject + " -> " + r.statusCode() + " " + r.body());
                            }
                        } catch (IOException e) {
                            errorAnswers.incrementAndGet();
                        }
                        if (!keyed) {
                            unkeyedFailures.incrementAndGet();
                            break;
                        }
                        if (Galera.since(first).toMillis() > CLIENT_RESEND_BUDGET_MS) {
                            keyedFailures.incrementAndGet();
                            break;
                        }
                        Thread.sleep(200);
                    }
                }
                return null;
            }));
        }

        while (!ProxyKillIT.everyWriterStored(ackedPerWriter, 1) && Galera.since(t0).toMillis() < WARM_UP_MAX_MS) {
            Thread.sleep(100);
        }
        Thread.sleep(BEFORE_KILL_MS);
        int ackedBeforeKill = acked.size();
        int victim = Galera.writerNode();
        long killedAtMs = Galera.since(t0).toMillis();
        long pid = Galera.kill(victim);
        Thread.sleep(AFTER_KILL_MS);
        writing.set(false);
        for (Future<?> f : writers) {
            f.get();
        }
        pool.shutdown();
        long ackedAfterKill = acked.values().stream().filter(a -> a.atMs() > killedAtMs).count();

        // What the surviving nodes hold (causal read on a survivor).
        Map<String, List<Long>> stored = new HashMap<>();
        try (Connection survivor = Galera.connectCausal(victim == 2 ? 3 : 2); Statement s = survivor.createStatement();
                ResultSet rs = s.executeQuery("SELECT subject, id FROM message")) {
            while (rs.next()) {
                stored.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getLong(2));
            }
        }
        List<String> lost = acked.values().stream()
                .filter(a -> !stored.getOrDefault(a.subject(), List.of()).contains(a.pk()))
                .map(Ack::subject).sorted().toList();
        List<String> duplicated = stored.entrySet().stream().filter(e -> e.getValue().size() > 1)
                .map(e -> e.getKey() + "=" + e.getValue()).sorted().toList();

        String summary = String.format(
                "node kill: killed the writer n%d (pid %d) at %d ms; requests %d, acknowledged %d (%d before the kill, %d after), "
                        + "error answers %d, keyed writes given up %d, unkeyed writes failed %d, slowest request %d ms, "
                        + "rows stored %d, lost %d, duplicated %d",
                victim, pid, killedAtMs, attempts.get(), acked.size(), ackedBeforeKill, ackedAfterKill, errorAnswers.get(),
                keyedFailures.get(), unkeyedFailures.get(), slowestMs.get(), stored.values().stream().mapToInt(List::size).sum(),
                lost.size(), duplicated.size());
        System.out.println(summary);
        Files.createDirectories(Path.of("target", "it-results"));
        Files.writeString(Path.of("target", "it-results", "node-kill.txt"), summary + "\n");

        assertEquals(List.of(), lost, "acknowledged writes missing after the node kill");
        assertEquals(List.of(), duplicated, "messages stored more than once");
        assertEquals(List.of(), unexpected, "a write was refused with a client error");
        assertEquals(0, keyedFailures.get(), "a resent write never got through");
        // The service rides out the failover itself (retries within its budget): no client sees an error.
        assertEquals(0, errorAnswers.get(), "requests answered with an error or not at all during the node kill");
        assertEquals(0, unkeyedFailures.get(), "writes without a key failed");
        assertTrue(ackedBeforeKill > 0, "no write before the kill");
        assertTrue(ackedAfterKill > 0, "no write succeeded after the kill: HAProxy did not fail over");
    }
}
