package io.messagestack.chaos.load;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What the load phase does.
 *
 * @param baseUrl        the stack's entry point, e.g. {@code http://127.0.0.1:8080}
 * @param runId          unique per run; every subject starts with {@code chaos-<runId>-<client>-}
 * @param ratePerWriter  creates per second per writer (each followed by a read-back)
 * @param duration       upper bound of the load phase
 * @param stopFile       the load stops early once this file exists (how a scenario script ends it)
 * @param out            the JSON-lines request log (all clients in one file, each record names its client)
 * @param warmUp         at most this long, unlogged GETs until the entry point answers (zero: none)
 * @param groups         the clients that run at the same time, each with its writers (at least one)
 */
public record LoadConfig(
        URI baseUrl,
        String runId,
        double ratePerWriter,
        Duration duration,
        Path stopFile,
        Path out,
        Duration warmUp,
        List<ClientGroup> groups) {

    public LoadConfig {
        if (!(ratePerWriter > 0)) {
            throw new IllegalArgumentException("--rate must be above 0, got " + ratePerWriter);
        }
        if (!runId.matches("[A-Za-z0-9_.-]{1,40}")) {
            throw new IllegalArgumentException("--run-id must be 1-40 of [A-Za-z0-9_.-], got '" + runId + "'");
        }
        String scheme = baseUrl.getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw new IllegalArgumentException("--base-url must be http(s)://host:port, got " + baseUrl);
        }
        if (groups == null || groups.isEmpty()) {
            throw new IllegalArgumentException("--client: at least one client");
        }
        List<String> names = new ArrayList<>();
        for (ClientGroup g : groups) {
            if (names.contains(g.policy().name())) {
                throw new IllegalArgumentException("--client: '" + g.policy().name() + "' given twice");
            }
            names.add(g.policy().name());
        }
        groups = List.copyOf(groups);
    }

    /** The careful client alone, as before issue 15 (tests and callers that need one client). */
    public LoadConfig(URI baseUrl, String runId, int writers, double ratePerWriter, Duration duration, Path stopFile,
                      Duration requestTimeout, int maxRetries, Path out, Duration warmUp) {
        this(baseUrl, runId, ratePerWriter, duration, stopFile, out, warmUp,
                List.of(new ClientGroup(ClientPolicy.careful(requestTimeout, maxRetries), writers)));
    }

    /** The prefix every subject of this run starts with, all clients; the database check selects rows by it. */
    public String subjectPrefix() {
        return subjectPrefix(runId);
    }

    public static String subjectPrefix(String runId) {
        return "chaos-" + runId + "-";
    }

    /** The prefix of one client's subjects: its writes are told apart from the other client's by it. */
    public static String subjectPrefix(String runId, String client) {
        return subjectPrefix(runId) + client + "-";
    }

    public String subject(String client, int writer, long seq) {
        return subjectPrefix(runId, client) + "w" + writer + "-" + seq;
    }

    public int totalWriters() {
        return groups.stream().mapToInt(ClientGroup::writers).sum();
    }
}
