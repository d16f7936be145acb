package io.messagestack.chaos.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The alert checks' runs (chaos/alert-check.sh appends one JSON line per alert and run to
 * chaos/results/alerts/SCENARIO.jsonl) as a table for docs/chaos.md, so the fire and resolve times stand beside the
 * scenarios that caused them. Every run is shown, the failed ones too.
 */
public final class AlertRuns {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AlertRuns() {
    }

    /** One alert of one check: times in seconds (fired after the fault started, resolved after Ready again). */
    public record Run(String scenario, String alert, String faultAt, Integer firedAfterFault, Integer fireBudget,
                      Integer resolvedAfterReady, String resolveBudget, Integer readyAfter, String hostLoad,
                      boolean ok) {
    }

    /** The runs of every .jsonl file in {@code dir} (files by name, lines in order); none when there is no folder. */
    public static List<Run> read(Path dir) throws IOException {
        List<Run> runs = new ArrayList<>();
        if (dir == null || !Files.isDirectory(dir)) {
            return runs;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) {
                int n = 0;
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    n++;
                    if (line.isBlank()) {
                        continue;
                    }
                    try {
                        runs.add(run(JSON.readTree(line)));
                    } catch (IOException | IllegalArgumentException e) {
                        throw new IOException(f + " line " + n + ": not an alert check's line (" + e.getMessage() + ")", e);
                    }
                }
            }
        }
        return runs;
    }

    static Run run(JsonNode j) {
        if (!j.hasNonNull("scenario") || !j.hasNonNull("alert") || !j.hasNonNull("ok")) {
            throw new IllegalArgumentException("scenario, alert and ok are required");
        }
        return new Run(j.get("scenario").asText(), j.get("alert").asText(), text(j, "faultAt"),
                integer(j, "firedAfterFaultSeconds"), integer(j, "fireBudgetSeconds"),
                integer(j, "resolvedAfterReadySeconds"), text(j, "resolveBudgetSeconds"), integer(j, "readyAfterSeconds"),
                text(j, "hostLoad1m"), j.get("ok").asBoolean());
    }

    /** The section for docs/chaos.md; empty when there is no run. */
    public static String markdown(List<Run> runs) {
        if (runs.isEmpty()) {
            return "";
        }
        StringBuilder md = new StringBuilder("## Alerts fired by the scenarios\n\n");
        md.append("Issue 16: `chaos/alert-check.sh SCENARIO` runs the scenario and asks the lab's Prometheus (its HTTP ")
                .append("API) when each matching alert fires and resolves; one line per alert and run in ")
                .append("`chaos/results/alerts/SCENARIO.jsonl`. Fired: seconds after the fault started (of the run ")
                .append("during which it fired); resolved: seconds after the stack was Ready again (negative: before ")
                .append("Ready). A budget `later` is read afterwards from Prometheus (the alert's window is an hour). ")
                .append("Why each budget is what it is: the comments of chaos/alert-check.sh; the rules: ")
                .append("docs/observability.md.\n\n");
        md.append("| alert | scenario | fault at (UTC) | fired after | resolved after Ready | Ready after | host load | check |\n");
        md.append("|---|---|---|---|---|---|---|---|\n");
        for (Run r : runs) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s |%n", r.alert(), r.scenario(),
                    r.faultAt() == null ? "?" : r.faultAt().replace('T', ' ').replace("Z", ""),
                    r.firedAfterFault() == null ? "**never** (budget " + r.fireBudget() + " s)"
                            : r.firedAfterFault() + " s (budget " + r.fireBudget() + " s)",
                    r.resolvedAfterReady() == null ? ("later".equals(r.resolveBudget()) ? "later (an hour's window)" : "**not resolved**")
                            : r.resolvedAfterReady() + " s (budget " + r.resolveBudget() + " s)",
                    r.readyAfter() == null ? "?" : r.readyAfter() + " s", r.hostLoad() == null ? "?" : r.hostLoad(),
                    r.ok() ? "passed" : "**failed**"));
        }
        return md.append('\n').toString();
    }

    private static Integer integer(JsonNode j, String field) {
        return j.hasNonNull(field) ? j.get(field).asInt() : null;
    }

    private static String text(JsonNode j, String field) {
        return j.hasNonNull(field) ? j.get(field).asText() : null;
    }
}
