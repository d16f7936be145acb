package io.messagestack.chaos;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.messagestack.chaos.analysis.DatabaseCounts;
import io.messagestack.chaos.analysis.ErrorWindows;
import io.messagestack.chaos.analysis.FaultEvents;
import io.messagestack.chaos.analysis.ScenarioAnalysis;
import io.messagestack.chaos.analysis.ScenarioResult;
import io.messagestack.chaos.analysis.WriteVerification;
import io.messagestack.chaos.load.LoadConfig;
import io.messagestack.chaos.load.LoadRunner;
import io.messagestack.chaos.record.RequestLog;
import io.messagestack.chaos.record.RequestRecord;
import io.messagestack.chaos.report.ReportWriter;

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
              chaos-load-client verify --requests requests.jsonl --run-id ID --out result.json
                                       (--events events.json | --scenario NAME --kind KIND --fault-start-ms T
                                        --fault-end-ms T [--ready-at-ms T])
                                       [--jdbc-url URL --db-user USER [--db-password PW | env CHAOS_DB_PASSWORD]]
                                       [--table message] [--db-wait 60s]
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
                Integer.parseInt(a.getOrDefault("writers", "4")),
                Double.parseDouble(a.getOrDefault("rate", "5")),
                duration(a.getOrDefault("duration", "600s"), "duration"),
                a.containsKey("stop-file") ? Path.of(a.get("stop-file")) : null,
                duration(a.getOrDefault("timeout", "2s"), "timeout"),
                Integer.parseInt(a.getOrDefault("retries", "3")),
                Path.of(required(a, "out")),
                duration(a.getOrDefault("warm-up", "30s"), "warm-up"));
        new LoadRunner(config).run();
        return 0;
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

        WriteVerification.Result verification = null;
        String verificationError = null;
        if (!a.containsKey("jdbc-url")) {
            verificationError = "no --jdbc-url given";
        } else {
            String password = a.getOrDefault("db-password", System.getenv().getOrDefault("CHAOS_DB_PASSWORD", ""));
            try {
                Map<String, Integer> rows = DatabaseCounts.rowsBySubject(a.get("jdbc-url"), required(a, "db-user"),
                        password, a.getOrDefault("table", "message"), LoadConfig.subjectPrefix(runId),
                        duration(a.getOrDefault("db-wait", "60s"), "db-wait"));
                verification = WriteVerification.verify(records, rows);
            } catch (java.sql.SQLException e) {
                verificationError = e.getMessage();
            }
        }
        ScenarioResult result = ScenarioAnalysis.analyze(runId, records, events, verification, verificationError);
        Path out = Path.of(required(a, "out"));
        if (out.toAbsolutePath().getParent() != null) {
            Files.createDirectories(out.toAbsolutePath().getParent());
        }
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), result);
        printSummary(result);
        if (verification == null) {
            System.err.println("verify: the database check could not run: " + verificationError);
            return 3;
        }
        return verification.clean() ? 0 : 1;
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
                a.containsKey("notes") ? Path.of(a.get("notes")) : null);
        System.out.println("report: wrote " + a.get("markdown") + " and " + a.get("summary") + "; "
                + (found.isEmpty() && missing.isEmpty() ? "no results yet" : "all targets met: " + allMet));
        return allMet ? 0 : 1;
    }

    static void printSummary(ScenarioResult r) {
        WriteVerification.Result v = r.verification();
        ErrorWindows.Window longest = r.errorWindows().stream()
                .max(java.util.Comparator.comparingLong(ErrorWindows.Window::durationMs)).orElse(null);
        System.out.printf(Locale.ROOT, """
                        scenario            %s (%s)
                        requests            %d (failed %d); operations %d (failed after retries %d)
                        longest error window %.1f s%s
                        latency overall     p50 %.1f ms  p99 %.1f ms  max %.1f ms
                        latency in fault    p50 %.1f ms  p99 %.1f ms  max %.1f ms  (%d requests)
                        time until Ready    %s
                        acknowledged writes %s
                        lost                %s
                        duplicates          %s
                        errors              %s
                        """,
                r.scenario(), r.kind(), r.requests(), r.failedRequests(), r.operations(), r.failedOperations(),
                r.longestErrorWindowMs() / 1000.0,
                longest == null ? "" : " (" + longest.failedRequests() + " failed requests)",
                r.latencyOverall().p50(), r.latencyOverall().p99(), r.latencyOverall().max(),
                r.latencyDuringFault().p50(), r.latencyDuringFault().p99(), r.latencyDuringFault().max(),
                r.latencyDuringFault().count(),
                r.timeToReadyMs() == null ? "never" : String.format(Locale.ROOT, "%.1f s", r.timeToReadyMs() / 1000.0),
                v == null ? "not checked" : v.acknowledged(),
                v == null ? "not checked" : v.lost() + (v.lostSubjects().isEmpty() ? "" : " e.g. " + v.lostSubjects()),
                v == null ? "not checked" : (v.duplicates() + v.conflictingPks())
                        + (v.duplicateSubjects().isEmpty() ? "" : " e.g. " + v.duplicateSubjects()),
                r.errorsByKind());
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
