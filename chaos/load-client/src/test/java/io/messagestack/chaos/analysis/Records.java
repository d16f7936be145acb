package io.messagestack.chaos.analysis;

import io.messagestack.chaos.record.RequestRecord;

/** Short builders for request records in tests. */
public final class Records {
    private Records() {
    }

    public static RequestRecord ok(long startMs, double latencyMs) {
        return new RequestRecord(startMs, latencyMs, RequestRecord.READ, 0, 1, 1, "k", "s", 200, "api-0", 1L, null);
    }

    public static RequestRecord failed(long startMs, double latencyMs) {
        return new RequestRecord(startMs, latencyMs, RequestRecord.READ, 0, 1, 1, "k", "s", 502, "nginx", null, "HTTP 502");
    }

    /** A request of one client: status 0 means no answer, with {@code cause} as its error. */
    public static RequestRecord of(String client, long startMs, double latencyMs, int status, String cause) {
        boolean ok = status >= 200 && status < 300;
        return new RequestRecord(startMs, latencyMs, RequestRecord.READ, 0, startMs, 1, null, "s" + startMs, status,
                null, ok ? 1L : null, ok ? null : (status == 0 ? cause : "HTTP " + status), client);
    }

    /** A create of one client (no key for the plain client). */
    public static RequestRecord create(String client, String subject, int status, Long pk) {
        String error = status >= 200 && status < 300 ? null : (status == 0 ? "timeout" : "HTTP " + status);
        return new RequestRecord(1000, 5, RequestRecord.CREATE, 0, 1, 1, null, subject, status, null, pk, error, client);
    }

    public static RequestRecord create(String subject, int attempt, int status, Long pk) {
        String error = status >= 200 && status < 300 ? null : (status == 0 ? "timeout" : "HTTP " + status);
        return new RequestRecord(1000L * attempt, 5, RequestRecord.CREATE, 0, 1, attempt, "key-" + subject, subject,
                status, null, pk, error);
    }
}
