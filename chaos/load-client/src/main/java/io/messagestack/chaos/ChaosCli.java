package io.messagestack.chaos;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.messagestack.chaos.analysis.ClientResult;
import io.messagestack.chaos.analysis.ClusterSeries;
import io.messagestack.chaos.analysis.DatabaseCounts;
import io.messagestack.chaos.analysis.FaultEvents;
import io.messagestack.chaos.analysis.RestoreVerification;
import io.messagestack.chaos.analysis.ScenarioAnalysis;
import io.messagestack.chaos.analysis.ScenarioResult;
import io.messagestack.chaos.analysis.WriteVerification;
import io.messagestack.chaos.load.ClientGroup;
import io.messagestack.chaos.load.ClientPolicy;
import io.messagestack.chaos.load.LoadConfig;
import io.messagestack.chaos.load.LoadRunner;
import io.messagestack.chaos.record.RequestLog;
import io.messagestack.chaos.record.RequestRecord;
import io.messagestack.chaos.report.ReportWriter;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Entry point. {@code load} drives the stack, {@code verify} checks the database and writes a scenario
 * result, {@code report} turns all results into docs/chaos.md, summary.json and pictures.
 * Exit codes: 0 fine, 1 a write was lost or duplicated (or a target missed, for report), 2 bad usage,
 * 3 the check itself could not run.
 */
public final class ChaosCli {
    static final String USAGE = """
            usage:
              chaos-load-client load   --base-url URL --out requests.jsonl [--run-id ID] [--writers 4] [--rate 5]
                                       [--duration 600s] [--stop-file PATH] [--timeout 2s] [--retries 3] [--warm-up 30s]
                                       [--client careful|plain|careful,plain   (default careful; a list runs them together)]
                                       [--plain-writers N (default --writers)] [--plain-timeout 5s]
                 careful: Idempotency-Key, --retries retries, --timeout per attempt
                 plain:   each request once, no key, no retry, --plain-timeout for connect + the whole answer
              chaos-load-client verify --requests requests.jsonl --run-id ID --out result.json [--client careful,plain]
                                       (--events events.json | --scenario NAME --kind KIND --fault-start-ms T
                                        --fault-end-ms T [--ready-at-ms T])
                                       [--jdbc-url URL --db-user USER [--db-password PW | env CHAOS_DB_PASSWORD]]
                                       [--table message] [--db-wait 60s]
                                       [--cluster-series FILE   (Prometheus' query_range answers for the picture's
                                        cluster panel: {"clusterSize": ..., "writer": ...}, saved by chaos/lib.sh)]
                                       [--restore-point-ms T   (the database is a stack restored to T: acknowledged
                                        at or before T present once, sent at or after T absent, in flight either)]
              chaos-load-client report --results DIR --markdown FILE --summary FILE [--png-dir DIR]
                                       [--image-link-prefix ../chaos/results/] [--allow-non-kind]
                                       [--expect name,name,...   (scenarios run; one without a result is not met)]
                                       [--notes DIR   (DIR/SCENARIO.md: a person's explanation, shown with the numbers)]
            """;

    private ChaosCli() {
    }

    public static void main(String[] argv) {
        System.setProperty("java.awt.headless", "true");
        if (argv.length == 0) {
            System.err.print(USAGE);
            System.exit(2);
        }
        int code;
        try {
            Map<String, String> args = parse(argv);
            code = switch (argv[0]) {
                case "load" -> load(args);
                case "verify" -> verify(args);
                case "report" -> report(args);
                default -> throw new IllegalArgumentException("unknown command '" + argv[0] + "'");
            };
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.print(USAGE);
            code = 2;
        } catch (Exception e) {
            System.err.println("error: " + e);
            code = 3;
        }
        System.exit(code);
    }

    static int load(Map<String, String> a) throws Exception {
        LoadConfig config = new LoadConfig(
                URI.create(required(a, "base-url")),
                a.getOrDefault("run-id", "r" + Long.toString(System.currentTimeMillis(), 36)),
                number(a.getOrDefault("rate", "5"), "rate"),
                duration(a.getOrDefault("duration", "600s"), "duration"),
                a.containsKey("stop-file") ? Path.of(a.get("stop-file")) : null,
                Path.of(required(a, "out")),
                duration(a.getOrDefault("warm-up", "30s"), "warm-up"),
                groups(a));
        new LoadRunner(config).run();
        return 0;
    }

    /** The client groups of {@code --client}, each with its own flags. */
    static List<ClientGroup> groups(Map<String, String> a) {
        int writers = integer(a.getOrDefault("writers", "4"), "writers");
        List<ClientGroup> groups = new java.util.ArrayList<>();
        for (String name : ClientPolicy.parseNames(a.getOrDefault("client", ClientPolicy.CAREFUL))) {
            if (name.equals(ClientPolicy.PLAIN)) {
                groups.add(new ClientGroup(ClientPolicy.plain(duration(a.getOrDefault("plain-timeout",
                        ClientPolicy.PLAIN_TIMEOUT.toMillis() + "ms"), "plain-timeout")),
                        integer(a.getOrDefault("plain-writers", String.valueOf(writers)), "plain-writers")));
            } else {
                groups.add(new ClientGroup(ClientPolicy.careful(duration(a.getOrDefault("timeout", "2s"), "timeout"),
                        integer(a.getOrDefault("retries", "3"), "retries")), writers));
            }
        }
        return groups;
    }

    static int integer(String text, String field) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + field + ": not a whole number '" + text + "'");
        }
    }

    static long integerLong(String text, String field) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + field + ": not a whole number '" + text + "'");
        }
    }

    static double number(String text, String field) {
        try {
            return Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + field + ": not a number '" + text + "'");
        }
    }

    static int verify(Map<String, String> a) throws Exception {
        String runId = required(a, "run-id");
        Path requestsFile = Path.of(required(a, "requests"));
        if (!Files.isRegularFile(requestsFile)) {
            throw new IllegalArgumentException("--requests: no such file " + requestsFile);
        }
        List<RequestRecord> records = RequestLog.read(requestsFile);
        FaultEvents events = a.containsKey("events") ? FaultEvents.read(Path.of(a.get("events"))) : new FaultEvents(
                required(a, "scenario"), required(a, "kind"), a.get("description"), a.getOrDefault("environment", "unknown"),
                Long.parseLong(required(a, "fault-start-ms")), Long.parseLong(required(a, "fault-end-ms")),
                a.containsKey("ready-at-ms") ? Long.parseLong(a.get("ready-at-ms")) : null, null, null);

        // The clients that ran (--client, as given to load); without it, those found in the log.
        List<String> clients = ScenarioAnalysis.withClientsIn(
                a.containsKey("client") ? ClientPolicy.parseNames(a.get("client")) : List.of(), records);
        Map<String, WriteVerification.Result> verifications = new java.util.LinkedHashMap<>();
        Long restorePoint = a.containsKey("restore-point-ms")
                ? Long.valueOf(integerLong(a.get("restore-point-ms"), "restore-point-ms")) : null;
        Map<String, Object> restoreNumbers = new java.util.LinkedHashMap<>();
        String verificationError = null;
        if (!a.containsKey("jdbc-url")) {
            verificationError = "no --jdbc-url given";
        } else {
            String password = a.getOrDefault("db-password", System.getenv().getOrDefault("CHAOS_DB_PASSWORD", ""));
            try {
                Map<String, Integer> rows = DatabaseCounts.rowsBySubject(a.get("jdbc-url"), required(a, "db-user"),
                        password, a.getOrDefault("table", "message"), LoadConfig.subjectPrefix(runId),
                        duration(a.getOrDefault("db-wait", "60s"), "db-wait"));
                // Each client on its own writes: a plain create that failed is an unknown outcome, not lost.
                for (String c : clients) {
                    List<RequestRecord> own = records.stream().filter(r -> r.client().equals(c)).toList();
                    Map<String, Integer> ownRows = WriteVerification.rowsWithPrefix(rows, LoadConfig.subjectPrefix(runId, c));
                    if (restorePoint == null) {
                        verifications.put(c, WriteVerification.verify(own, ownRows));
                        continue;
                    }
                    RestoreVerification.Result rv = RestoreVerification.verify(own, ownRows, restorePoint);
                    verifications.put(c, rv.asWriteVerification());
                    restoreNumbers.put("acknowledgedBeforePoint_" + c, rv.acknowledgedBeforePoint());
                    restoreNumbers.put("lostBeforePoint_" + c, rv.lost());
                    restoreNumbers.put("inFlightAtPoint_" + c, rv.inFlight());
                    restoreNumbers.put("inFlightRestored_" + c, rv.inFlightRestored());
                    restoreNumbers.put("sentAfterPoint_" + c, rv.sentAfterPoint());
                    restoreNumbers.put("restoredAfterPoint_" + c, rv.restoredAfterPoint());
                    restoreNumbers.put("rowsChecked_" + c, rv.rowsChecked());
                    if (!rv.restoredAfterSubjects().isEmpty()) {
                        System.err.println("verify: " + c + " writes sent after the restore point were restored, e.g. "
                                + rv.restoredAfterSubjects());
                    }
                }
            } catch (java.sql.SQLException e) {
                verificationError = e.getMessage();
            }
        }
        if (!restoreNumbers.isEmpty()) {
            Map<String, Object> m = new java.util.LinkedHashMap<>(events.measurements());
            m.put("restorePointMs", restorePoint);
            m.putAll(restoreNumbers);
            events = new FaultEvents(events.scenario(), events.kind(), events.description(), events.environment(),
                    events.faultStartMs(), events.faultEndMs(), events.readyAtMs(), m, events.notes());
        }
        ScenarioResult result = ScenarioAnalysis.analyze(runId, records, events, clients, verifications,
                verificationError);
        if (a.containsKey("cluster-series")) {
            // The picture's cluster panel: a file that cannot be read is said in the result, never a failed run.
            try {
                result = result.withCluster(ClusterSeries.read(Path.of(a.get("cluster-series"))), null);
            } catch (IOException | IllegalArgumentException e) {
                result = result.withCluster(List.of(), "--cluster-series " + a.get("cluster-series") + ": " + e.getMessage());
                System.err.println("verify: no cluster panel: " + result.clusterError());
            }
        }
        Path out = Path.of(required(a, "out"));
        if (out.toAbsolutePath().getParent() != null) {
            Files.createDirectories(out.toAbsolutePath().getParent());
        }
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), result);
        printSummary(result);
        if (verificationError != null) {
            System.err.println("verify: the database check could not run: " + verificationError);
            return 3;
        }
        boolean afterPointClean = restoreNumbers.entrySet().stream()
                .filter(e -> e.getKey().startsWith("restoredAfterPoint_")).allMatch(e -> ((Integer) e.getValue()) == 0);
        return verifications.values().stream().allMatch(WriteVerification.Result::clean) && afterPointClean ? 0 : 1;
    }

    static int report(Map<String, String> a) throws Exception {
        Path results = Path.of(required(a, "results"));
        List<ScenarioResult> found = new java.util.ArrayList<>(ReportWriter.readResults(results));
        if (a.containsKey("expect")) {
            // The order the scenarios ran in; results of earlier runs that were not expected come last.
            List<String> order = List.of(a.get("expect").split(","));
            found.sort(java.util.Comparator.comparingInt(r -> order.contains(r.scenario())
                    ? order.indexOf(r.scenario()) : order.size()));
        }
        List<String> missing = a.containsKey("expect") ? java.util.Arrays.stream(a.get("expect").split(","))
                .map(String::trim).filter(n -> !n.isEmpty())
                .filter(n -> found.stream().noneMatch(r -> r.scenario().equals(n))).toList() : List.of();
        boolean allMet = ReportWriter.write(found, missing, Path.of(required(a, "markdown")),
                Path.of(required(a, "summary")), Path.of(a.getOrDefault("png-dir", results.toString())),
                a.getOrDefault("image-link-prefix", "../chaos/results/"), !a.containsKey("allow-non-kind"),
                a.containsKey("notes") ? Path.of(a.get("notes")) : null, results.resolve("alerts"));
        System.out.println("report: wrote " + a.get("markdown") + " and " + a.get("summary") + "; "
                + (found.isEmpty() && missing.isEmpty() ? "no results yet" : "all targets met: " + allMet));
        return allMet ? 0 : 1;
    }

    static void printSummary(ScenarioResult r) {
        System.out.printf(Locale.ROOT, """
                        scenario            %s (%s)
                        time until Ready    %s
                        """, r.scenario(), r.kind(),
                r.timeToReadyMs() == null ? "never" : String.format(Locale.ROOT, "%.1f s", r.timeToReadyMs() / 1000.0));
        for (ClientResult c : r.clients()) {
            System.out.print(clientSummary(c, r.faultStartMs()));
        }
    }

    /** Every client's lines, errors included: neither client's failures may be left out of the output. */
    static String clientSummary(ClientResult c, long faultStartMs) {
        WriteVerification.Result v = c.verification();
        return String.format(Locale.ROOT, """
                        [%s client]
                          requests            %d (failed %d); operations %d (failed after retries %d)
                          longest error window %.1f s; failure span %.1f s%s
                          failed by cause     %s
                          latency overall     p50 %.1f ms  p99 %.1f ms  max %.1f ms
                          latency in fault    p50 %.1f ms  p99 %.1f ms  max %.1f ms  (%d requests)
                          acknowledged writes %s
                          lost                %s
                          duplicates          %s
                          unknown outcome     %s
                        """,
                c.client(), c.requests(), c.failedRequests(), c.operations(), c.failedOperations(),
                c.longestErrorWindowMs() / 1000.0, c.failureSpanMs() / 1000.0,
                c.firstFailedMs() == null ? "" : String.format(Locale.ROOT, " (from %+.1f s to %+.1f s of the fault start)",
                        (c.firstFailedMs() - faultStartMs) / 1000.0, (c.lastFailedEndMs() - faultStartMs) / 1000.0),
                c.failedByCause(),
                c.latencyOverall().p50(), c.latencyOverall().p99(), c.latencyOverall().max(),
                c.latencyDuringFault().p50(), c.latencyDuringFault().p99(), c.latencyDuringFault().max(),
                c.latencyDuringFault().count(),
                v == null ? "not checked" : v.acknowledged(),
                v == null ? "not checked" : v.lost() + (v.lostSubjects().isEmpty() ? "" : " e.g. " + v.lostSubjects()),
                v == null ? "not checked" : (v.duplicates() + v.conflictingPks())
                        + (v.duplicateSubjects().isEmpty() ? "" : " e.g. " + v.duplicateSubjects()),
                v == null ? "not checked" : v.unacknowledged() + " never acknowledged, " + v.unacknowledgedPresent()
                        + " of them stored");
    }

    static Map<String, String> parse(String[] argv) {
        Map<String, String> args = new HashMap<>();
        for (int i = 1; i < argv.length; i++) {
            String k = argv[i];
            if (!k.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + k + "'");
            }
            String name = k.substring(2);
            if (name.equals("allow-non-kind")) {
                args.put(name, "true");
                continue;
            }
            if (i + 1 >= argv.length) {
                throw new IllegalArgumentException(k + " needs a value");
            }
            args.put(name, argv[++i]);
        }
        return args;
    }

    static String required(Map<String, String> a, String name) {
        String v = a.get(name);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return v;
    }

    /** "500ms", "2s", "5m" or plain seconds. */
    static Duration duration(String text, String field) {
        try {
            if (text.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
            }
            if (text.endsWith("s")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(text.substring(0, text.length() - 1)) * 1000));
            }
            if (text.endsWith("m")) {
                return Duration.ofSeconds(Long.parseLong(text.substring(0, text.length() - 1)) * 60);
            }
            return Duration.ofMillis(Math.round(Double.parseDouble(text) * 1000));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + field + ": not a duration '" + text + "' (e.g. 500ms, 2s, 5m)");
        }
    }
}
