import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The database's own insert ceiling: THREADS connections each inserting rows of the same shape
 * as message-api's creates (autocommit, one row per transaction, unique idempotency_key) into
 * the same table through the same HAProxy, for SECONDS after a short warm-up.
 * Run with the single-file launcher:
 *   java -cp mysql-connector-j.jar bench/JdbcInsertCeiling.java JDBC_URL USER PASSWORD THREADS SECONDS
 * Prints one line: RESULT inserts=... rps=... p50_ms=... p99_ms=... errors=... client_cpu_ms=...
 */
public class JdbcInsertCeiling {

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String user = args[1];
        String password = args[2];
        int threads = Integer.parseInt(args[3]);
        long seconds = Long.parseLong(args[4]);
        long warmupNanos = 3_000_000_000L;

        AtomicLong errors = new AtomicLong();
        long start = System.nanoTime();
        long measureFrom = start + warmupNanos;
        long measureTo = measureFrom + seconds * 1_000_000_000L;
        List<long[]> latencies = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long[] samples = new long[2_000_000];
            latencies.add(samples);
            int thread = t;
            Thread worker = new Thread(() -> {
                int n = 0;
                try (Connection c = DriverManager.getConnection(url, user, password);
                        PreparedStatement insert = c.prepareStatement(
                                "INSERT INTO message (subject, body, created_at, idempotency_key, request_hash) VALUES (?, ?, ?, ?, ?)")) {
                    c.setAutoCommit(true);
                    long i = 0;
                    while (true) {
                        long before = System.nanoTime();
                        if (before >= measureTo) {
                            break;
                        }
                        insert.setString(1, "jdbc t" + thread + " #" + i++);
                        insert.setString(2, "a benchmark message body");
                        insert.setTimestamp(3, Timestamp.from(Instant.now()));
                        insert.setString(4, "s:" + UUID.randomUUID());
                        insert.setString(5, null);
                        try {
                            insert.executeUpdate();
                        } catch (java.sql.SQLException e) {
                            errors.incrementAndGet();
                            continue;
                        }
                        long after = System.nanoTime();
                        if (before >= measureFrom && n < samples.length) {
                            samples[n++] = after - before;
                        }
                    }
                } catch (java.sql.SQLException e) {
                    errors.incrementAndGet();
                    System.err.println("thread " + thread + ": " + e);
                }
                samples[samples.length - 1] = n; // count kept in the last slot
            });
            workers.add(worker);
            worker.start();
        }
        for (Thread w : workers) {
            w.join();
        }
        long total = latencies.stream().mapToLong(s -> s[s.length - 1]).sum();
        long[] all = new long[(int) total];
        int k = 0;
        for (long[] s : latencies) {
            int n = (int) s[s.length - 1];
            System.arraycopy(s, 0, all, k, n);
            k += n;
        }
        Arrays.sort(all);
        long cpuNanos = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
        System.out.printf("RESULT inserts=%d rps=%.1f p50_ms=%.2f p99_ms=%.2f errors=%d client_cpu_ms=%d%n", total,
                total / (double) seconds, percentile(all, 50), percentile(all, 99), errors.get(), cpuNanos / 1_000_000);
    }

    static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int index = (int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1);
        return sorted[Math.max(0, index)] / 1e6;
    }
}
