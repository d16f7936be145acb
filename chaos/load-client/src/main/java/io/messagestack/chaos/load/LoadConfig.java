package io.messagestack.chaos.load;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What the load phase does.
 *
 * @param baseUrl        the stack's entry point, e.g. {@code http://127.0.0.1:8080}
 * @param runId          unique per run; every subject starts with {@code chaos-<runId>-}
 * @param writers        number of writer threads
 * @param ratePerWriter  creates per second per writer (each followed by a read-back)
 * @param duration       upper bound of the load phase
 * @param stopFile       the load stops early once this file exists (how a scenario script ends it)
 * @param requestTimeout per HTTP attempt
 * @param maxRetries     further attempts after a failed one, with the same idempotency key
 * @param out            the JSON-lines request log
 * @param warmUp         at most this long, unlogged GETs until the entry point answers (zero: none)
 */
public record LoadConfig(
        URI baseUrl,
        String runId,
        int writers,
        double ratePerWriter,
        Duration duration,
        Path stopFile,
        Duration requestTimeout,
        int maxRetries,
        Path out,
        Duration warmUp) {

    public LoadConfig {
        if (writers < 1) {
            throw new IllegalArgumentException("--writers must be at least 1, got " + writers);
        }
        if (!(ratePerWriter > 0)) {
            throw new IllegalArgumentException("--rate must be above 0, got " + ratePerWriter);
        }
        if (maxRetries < 0) {
            throw new IllegalArgumentException("--retries must be 0 or more, got " + maxRetries);
        }
        if (!runId.matches("[A-Za-z0-9_.-]{1,40}")) {
            throw new IllegalArgumentException("--run-id must be 1-40 of [A-Za-z0-9_.-], got '" + runId + "'");
        }
        String scheme = baseUrl.getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw new IllegalArgumentException("--base-url must be http(s)://host:port, got " + baseUrl);
        }
    }

    /** The prefix every subject of this run starts with; the verification counts rows by it. */
    public String subjectPrefix() {
        return subjectPrefix(runId);
    }

    public static String subjectPrefix(String runId) {
        return "chaos-" + runId + "-";
    }

    public String subject(int writer, long seq) {
        return subjectPrefix() + "w" + writer + "-" + seq;
    }
}
