package io.messagestack.chaos.load;

import com.fasterxml.jackson.databind.JsonNode;
import io.messagestack.chaos.record.RequestLog;
import io.messagestack.chaos.record.RequestRecord;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs the writer threads of every client group at the same time: each writer creates a message with
 * unique content at a fixed rate, reads back what it created, and logs every attempt with its client's
 * name. The group's {@link ClientPolicy} decides the timeout, the Idempotency-Key and the retries; the
 * sending code is the same for every client.
 * Closed loop: a writer stuck in a slow request skips the slots it missed rather than bursting after.
 */
public final class LoadRunner {
    private final LoadConfig config;
    private final Map<String, MessageApiClient> apis = new LinkedHashMap<>();
    private final Map<String, AtomicLong> requests = new LinkedHashMap<>();
    private final Map<String, AtomicLong> failed = new LinkedHashMap<>();
    private volatile boolean stopping;

    public LoadRunner(LoadConfig config) {
        this.config = config;
        for (ClientGroup g : config.groups()) {
            String name = g.policy().name();
            apis.put(name, new MessageApiClient(config.baseUrl(), g.policy().timeout()));
            requests.put(name, new AtomicLong());
            failed.put(name, new AtomicLong());
        }
    }

    /** Runs until the duration has passed or the stop file exists; returns {requests, failed} of all clients. */
    public long[] run() throws IOException, InterruptedException {
        warmUp();
        long startNs = System.nanoTime();
        long endNs = startNs + config.duration().toNanos();
        log("phase=load-start base=%s clients=%s rate=%.2f/s/writer run=%s out=%s",
                config.baseUrl(), describeClients(), config.ratePerWriter(), config.runId(), config.out());
        try (RequestLog requestLog = new RequestLog(config.out())) {
            List<Thread> threads = new ArrayList<>();
            int slot = 0;
            for (ClientGroup g : config.groups()) {
                for (int w = 0; w < g.writers(); w++) {
                    int writer = w;
                    // Spread all writers of all clients over one period so they do not all fire at once.
                    long offsetNs = (long) (1e9 / config.ratePerWriter()) * slot++ / config.totalWriters();
                    Thread t = new Thread(() -> writerLoop(g.policy(), writer, startNs + offsetNs, requestLog),
                            g.policy().name() + "-writer-" + w);
                    t.start();
                    threads.add(t);
                }
            }
            long lastReport = System.nanoTime();
            Map<String, long[]> last = new LinkedHashMap<>();
            requests.keySet().forEach(c -> last.put(c, new long[2]));
            while (!stopping) {
                Thread.sleep(200);
                long now = System.nanoTime();
                if (now >= endNs || (config.stopFile() != null && Files.exists(config.stopFile()))) {
                    stopping = true;
                }
                if (now - lastReport >= 5_000_000_000L || stopping) {
                    // One line per client: neither client's errors may hide behind the other's.
                    for (String c : requests.keySet()) {
                        long r = requests.get(c).get();
                        long f = failed.get(c).get();
                        long[] l = last.get(c);
                        log("phase=load client=%s elapsed=%.1fs requests=%d failed=%d window_requests=%d window_failed=%d",
                                c, (now - startNs) / 1e9, r, f, r - l[0], f - l[1]);
                        l[0] = r;
                        l[1] = f;
                    }
                    lastReport = now;
                }
            }
            for (Thread t : threads) {
                t.join();
            }
        }
        long total = 0;
        long totalFailed = 0;
        StringBuilder perClient = new StringBuilder();
        for (String c : requests.keySet()) {
            long r = requests.get(c).get();
            long f = failed.get(c).get();
            total += r;
            totalFailed += f;
            perClient.append(String.format(java.util.Locale.ROOT, " %s_requests=%d %s_failed=%d", c, r, c, f));
        }
        // The last line is what chaos/lib.sh prints after the load: every client's counts on it.
        log("phase=load-end elapsed=%.1fs%s", (System.nanoTime() - startNs) / 1e9, perClient);
        return new long[] {total, totalFailed};
    }

    private String describeClients() {
        List<String> parts = new ArrayList<>();
        for (ClientGroup g : config.groups()) {
            ClientPolicy p = g.policy();
            parts.add(String.format(java.util.Locale.ROOT, "%s(writers=%d,timeout=%dms,retries=%d,key=%s)", p.name(),
                    g.writers(), p.timeout().toMillis(), p.retries().maxRetries(), p.idempotencyKey()));
        }
        return String.join(",", parts);
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
            MessageApiClient.Attempt a = apis.values().iterator().next().probe();
            // Fast answers only: a stack still warming up (cold JIT, fresh pools) is not the fault's doing.
            inARow = a.error() == null && a.latencyMs() < 1000 ? inARow + 1 : 0;
            if (a.error() != null) {
                Thread.sleep(200);
            }
        }
        log("phase=warm-up %s", inARow >= 5 ? "ok" : "entry point not answering after " + config.warmUp().toSeconds() + " s; measuring anyway");
    }

    private void writerLoop(ClientPolicy policy, int writer, long firstNs, RequestLog requestLog) {
        long periodNs = (long) (1e9 / config.ratePerWriter());
        long next = firstNs;
        long seq = 0;
        while (!stopping) {
            long now = System.nanoTime();
            if (now < next) {
                sleepNanos(Math.min(next - now, 200_000_000L)); // short, so a stop is noticed soon
                continue;
            }
            seq++;
            createAndReadBack(policy, writer, seq, requestLog);
            next += periodNs;
            long after = System.nanoTime();
            if (after - next > periodNs) {
                next = after; // missed slots are skipped, not replayed in a burst
            }
        }
    }

    /**
     * One create and its read-back, each retried only as far as the policy says (the plain client:
     * never). A failed create is not read back: there is no pk to read.
     */
    private void createAndReadBack(ClientPolicy policy, int writer, long seq, RequestLog requestLog) {
        MessageApiClient api = apis.get(policy.name());
        RetryPolicy retries = policy.retries();
        String client = policy.name();
        String subject = config.subject(client, writer, seq);
        String body = "run " + config.runId() + " " + client + " writer " + writer + " seq " + seq;
        String key = config.runId() + "-" + client + "-w" + writer + "-" + seq;
        String sentKey = policy.idempotencyKey() ? key : null;
        Long pk = null;
        for (int attempt = 1; ; attempt++) {
            MessageApiClient.Attempt a = api.create(subject, body, sentKey);
            String error = a.error();
            Long respPk = longField(a.body(), "pk");
            if (error == null && !subject.equals(textField(a.body(), "subject"))) {
                error = "response subject mismatch: " + textField(a.body(), "subject");
            }
            record(requestLog, new RequestRecord(a.startMs(), a.latencyMs(), RequestRecord.CREATE, writer, seq,
                    attempt, sentKey, subject, a.status(), a.servedBy(), respPk, error, client));
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
                    attempt, sentKey, subject, a.status(), a.servedBy(), pk, error, client));
            if (error == null || !retries.shouldRetry(attempt, a.status())) {
                return;
            }
            sleepNanos(retries.backoffBefore(attempt + 1).toNanos());
        }
    }

    private void record(RequestLog requestLog, RequestRecord r) {
        requests.get(r.client()).incrementAndGet();
        if (!r.ok()) {
            failed.get(r.client()).incrementAndGet();
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
