package io.messagestack.chaos.record;

/**
 * One HTTP attempt as the client saw it. A create that is retried produces one record per attempt,
 * all with the same idempotency key.
 *
 * @param startMs    wall clock (epoch ms) when the request was sent
 * @param latencyMs  time until the response (or the error), measured with the monotonic clock
 * @param op         {@code create} or {@code read}
 * @param status     HTTP status, 0 when no response arrived (connect error, timeout)
 * @param servedBy   the {@code X-Served-By} header, null when absent
 * @param pk         the message's primary key from the response (create) or the request (read)
 * @param error      why the attempt failed, null when it succeeded; for no answer the cause
 *                   ({@code timeout}, {@code refused}, {@code reset}, ... see load.FailureCause)
 * @param client     which client sent it ({@code careful} or {@code plain}); logs written before
 *                   issue 15 have none and were all the careful client's
 */
public record RequestRecord(
        long startMs,
        double latencyMs,
        String op,
        int writer,
        long seq,
        int attempt,
        String key,
        String subject,
        int status,
        String servedBy,
        Long pk,
        String error,
        String client) {

    public static final String CREATE = "create";
    public static final String READ = "read";
    public static final String DEFAULT_CLIENT = "careful";

    public RequestRecord {
        client = client == null ? DEFAULT_CLIENT : client;
    }

    /** As before issue 15: the careful client's. */
    public RequestRecord(long startMs, double latencyMs, String op, int writer, long seq, int attempt, String key,
                         String subject, int status, String servedBy, Long pk, String error) {
        this(startMs, latencyMs, op, writer, seq, attempt, key, subject, status, servedBy, pk, error, DEFAULT_CLIENT);
    }

    public boolean ok() {
        return error == null && status >= 200 && status < 300;
    }

    public long endMs() {
        return startMs + Math.round(latencyMs);
    }
}
