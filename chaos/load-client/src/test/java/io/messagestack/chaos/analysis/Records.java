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

    public static RequestRecord create(String subject, int attempt, int status, Long pk) {
        String error = status >= 200 && status < 300 ? null : (status == 0 ? "timeout" : "HTTP " + status);
        return new RequestRecord(1000L * attempt, 5, RequestRecord.CREATE, 0, 1, attempt, "key-" + subject, subject,
                status, null, pk, error);
    }
}
