package io.messagestack.chaos.load;

import com.fasterxml.jackson.databind.JsonNode;
import io.messagestack.chaos.record.RequestLog;
import io.messagestack.chaos.record.RequestRecord;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs the writer threads: each creates a message with unique content at a fixed rate, retries a
 * failed create with the same idempotency key, reads back what it created, and logs every attempt.
 * Closed loop: a writer stuck in a slow request skips the slots it missed rather than bursting after.
 */
public final class LoadRunner {
    private final LoadConfig config;
    private final MessageApiClient api;
    private final RetryPolicy retries;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile boolean stopping;

    public LoadRunner(LoadConfig config) {
        this.config = config;
        this.api = new MessageApiClient(config.baseUrl(), config.requestTimeout());
        this.retries = new RetryPolicy(config.maxRetries(), Duration.ofMillis(200));
    }

    /** Runs until the duration has passed or the stop file exists; returns {requests, failed}. */
    public long[] run() throws IOException, InterruptedException {
        warmUp();
        long startNs = System.nanoTime();
        long endNs = startNs + config.duration().toNanos();
        log("phase=load-start base=%s writers=%d rate=%.2f/s/writer run=%s out=%s",
                config.baseUrl(), config.writers(), config.ratePerWriter(), config.runId(), config.out());
        try (RequestLog requestLog = new RequestLog(config.out())) {
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < config.writers(); w++) {
                int writer = w;
                Thread t = new Thread(() -> writerLoop(writer, startNs, requestLog), "writer-" + w);
                t.start();
                threads.add(t);
            }
            long lastReport = System.nanoTime();
            long lastRequests = 0;
            long lastFailed = 0;
            while (!stopping) {
                Thread.sleep(200);
                long now = System.nanoTime();
                if (now >= endNs || (config.stopFile() != null && Files.exists(config.stopFile()))) {
                    stopping = true;
                }
                if (now - lastReport >= 5_000_000_000L || stopping) {
                    long r = requests.get();
                    long f = failed.get();
                    log("phase=load elapsed=%.1fs requests=%d failed=%d window_requests=%d window_failed=%d",
                            (now - startNs) / 1e9, r, f, r - lastRequests, f - lastFailed);
                    lastReport = now;
                    lastRequests = r;
                    lastFailed = f;
                }
            }
            for (Thread t : threads) {
                t.join();
            }
        }
        log("phase=load-end elapsed=%.1fs requests=%d failed=%d", (System.nanoTime() - startNs) / 1e9,
                requests.get(), failed.get());
        return new long[] {requests.get(), failed.get()};
    }

    /**
     * Until the entry point has answered five GETs in a row, each within a second: the client's own first
     * requests (class loading, connection set-up) must not be counted as the stack's failures.
     * Bounded by --warm-up. Not logged; a stack that never answers shows up in the measured requests anyway.
     */
    private void warmUp() throws InterruptedException {
        if (config.warmUp().isZero()) {
            return;
        }
        long deadline = System.nanoTime() + config.warmUp().toNanos();
        int inARow = 0;
        while (inARow < 5 && System.nanoTime() < deadline) {
            MessageApiClient.Attempt a = api.probe();
            // Fast answers only: a stack still warming up (cold JIT, fresh pools) is not the fault's doing.
            inARow = a.error() == null && a.latencyMs() < 1000 ? inARow + 1 : 0;
            if (a.error() != null) {
                Thread.sleep(200);
            }
        }
        log("phase=warm-up %s", inARow >= 5 ? "ok" : "entry point not answering after " + config.warmUp().toSeconds() + " s; measuring anyway");
    }

    private void writerLoop(int writer, long startNs, RequestLog requestLog) {
        long periodNs = (long) (1e9 / config.ratePerWriter());
        // Spread the writers over one period so they do not all fire at the same instant.
        long next = startNs + periodNs * writer / config.writers();
        long seq = 0;
        while (!stopping) {
            long now = System.nanoTime();
            if (now < next) {
                sleepNanos(Math.min(next - now, 200_000_000L)); // short, so a stop is noticed soon
                continue;
            }
            seq++;
            createAndReadBack(writer, seq, requestLog);
            next += periodNs;
            long after = System.nanoTime();
            if (after - next > periodNs) {
                next = after; // missed slots are skipped, not replayed in a burst
            }
        }
    }

    private void createAndReadBack(int writer, long seq, RequestLog requestLog) {
        String subject = config.subject(writer, seq);
        String body = "run " + config.runId() + " writer " + writer + " seq " + seq;
        String key = config.runId() + "-w" + writer + "-" + seq;
        Long pk = null;
        for (int attempt = 1; ; attempt++) {
            MessageApiClient.Attempt a = api.create(subject, body, key);
            String error = a.error();
            Long respPk = longField(a.body(), "pk");
            if (error == null && !subject.equals(textField(a.body(), "subject"))) {
                error = "response subject mismatch: " + textField(a.body(), "subject");
            }
            record(requestLog, new RequestRecord(a.startMs(), a.latencyMs(), RequestRecord.CREATE, writer, seq,
                    attempt, key, subject, a.status(), a.servedBy(), respPk, error));
            if (error == null) {
                pk = respPk;
                break;
            }
            if (!retries.shouldRetry(attempt, a.status())) {
                return;
            }
            sleepNanos(retries.backoffBefore(attempt + 1).toNanos());
        }
        if (pk == null) {
            return;
        }
        for (int attempt = 1; ; attempt++) {
            MessageApiClient.Attempt a = api.read(pk);
            String error = a.error();
            if (error == null && !subject.equals(textField(a.body(), "subject"))) {
                error = "read-back subject mismatch: " + textField(a.body(), "subject");
            }
            record(requestLog, new RequestRecord(a.startMs(), a.latencyMs(), RequestRecord.READ, writer, seq,
                    attempt, key, subject, a.status(), a.servedBy(), pk, error));
            if (error == null || !retries.shouldRetry(attempt, a.status())) {
                return;
            }
            sleepNanos(retries.backoffBefore(attempt + 1).toNanos());
        }
    }

    private void record(RequestLog requestLog, RequestRecord r) {
        requests.incrementAndGet();
        if (!r.ok()) {
            failed.incrementAndGet();
        }
        requestLog.append(r);
    }

    private static Long longField(JsonNode node, String name) {
        return node != null && node.hasNonNull(name) && node.get(name).canConvertToLong() ? node.get(name).asLong() : null;
    }

    private static String textField(JsonNode node, String name) {
        return node != null && node.hasNonNull(name) ? node.get(name).asText() : null;
    }

    private static void sleepNanos(long nanos) {
        if (nanos <= 0) {
            return;
        }
        try {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void log(String format, Object... args) {
        System.err.printf("load-client ts=%s %s%n", java.time.Instant.now(), String.format(format, args));
    }
}
