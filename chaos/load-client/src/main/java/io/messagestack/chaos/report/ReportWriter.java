package io.messagestack.chaos.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.messagestack.chaos.analysis.ClientResult;
import io.messagestack.chaos.analysis.ScenarioResult;
import io.messagestack.chaos.analysis.WriteVerification;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/** Writes docs/chaos.md, chaos/results/summary.json and one PNG per scenario from chaos/results/*.json. */
public final class ReportWriter {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ReportWriter() {
    }

    /** The result files of a results folder, in a stable order; summary.json is the report's own output. */
    public static List<ScenarioResult> readResults(Path resultsDir) throws IOException {
        List<ScenarioResult> results = new ArrayList<>();
        if (!Files.isDirectory(resultsDir)) {
            return results;
        }
        try (Stream<Path> files = Files.list(resultsDir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json"))
                    .filter(p -> !p.getFileName().toString().equals("summary.json")).sorted().toList()) {
                try {
                    results.add(JSON.readValue(f.toFile(), ScenarioResult.class));
                } catch (IOException e) {
                    throw new IOException(f + ": not a scenario result (" + e.getMessage() + ")", e);
                }
            }
        }
        return results;
    }

    /**
     * @param requireKind refuse results measured anywhere but on kind (docs/chaos.md only shows kind numbers)
     * @param imageLinkPrefix how the markdown reaches the PNGs, e.g. {@code ../chaos/results/}
     */
    public static boolean write(List<ScenarioResult> results, Path markdown, Path summaryJson, Path pngDir,
                                String imageLinkPrefix, boolean requireKind) throws IOException {
        return write(results, List.of(), markdown, summaryJson, pngDir, imageLinkPrefix, requireKind);
    }

    /** @param missing scenarios that were run but left no result (their script failed before the check) */
    public static boolean write(List<ScenarioResult> results, List<String> missing, Path markdown, Path summaryJson,
                                Path pngDir, String imageLinkPrefix, boolean requireKind) throws IOException {
        return write(results, missing, markdown, summaryJson, pngDir, imageLinkPrefix, requireKind, null);
    }

    /** @param notesDir where a person explains a scenario's numbers in SCENARIO.md (kept across regenerations); may be null */
    public static boolean write(List<ScenarioResult> results, List<String> missing, Path markdown, Path summaryJson,
                                Path pngDir, String imageLinkPrefix, boolean requireKind, Path notesDir)
            throws IOException {
        return write(results, missing, markdown, summaryJson, pngDir, imageLinkPrefix, requireKind, notesDir, null);
    }

    /** @param alertsDir the alert checks' runs (chaos/results/alerts/*.jsonl, AlertRuns); may be null */
    public static boolean write(List<ScenarioResult> results, List<String> missing, Path markdown, Path summaryJson,
                                Path pngDir, String imageLinkPrefix, boolean requireKind, Path notesDir,
                                Path alertsDir) throws IOException {
        for (ScenarioResult r : results) {
            if (requireKind && (r.environment() == null || !r.environment().startsWith("kind"))) {
                throw new IllegalArgumentException("result " + r.scenario() + " was measured on '" + r.environment()
                        + "', not on kind; docs/chaos.md shows kind numbers only (delete it from chaos/results/)");
            }
        }
        boolean allMet = missing.isEmpty();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (ScenarioResult r : results) {
            List<Target> targets = Targets.evaluate(r);
            allMet &= Targets.allMet(targets);
            ChartRenderer.render(r, pngDir.resolve(r.scenario() + ".png"));
            rows.add(summaryRow(r, targets));
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("generatedAt", Instant.now().toString());
        summary.put("allTargetsMet", results.isEmpty() && missing.isEmpty() ? null : allMet);
        summary.put("scenarios", rows);
        summary.put("scenariosWithoutResult", missing);
        Files.createDirectories(summaryJson.toAbsolutePath().getParent());
        JSON.writeValue(summaryJson.toFile(), summary);
        Files.createDirectories(markdown.toAbsolutePath().getParent());
        Files.writeString(markdown, Markdown.render(results, missing, imageLinkPrefix,
                explanations(notesDir, results, missing), AlertRuns.read(alertsDir)),
                StandardCharsets.UTF_8);
        return allMet;
    }

    static Map<String, String> explanations(Path notesDir, List<ScenarioResult> results, List<String> missing)
            throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        if (notesDir == null) {
            return out;
        }
        List<String> names = new ArrayList<>(missing);
        results.forEach(r -> names.add(r.scenario()));
        for (String name : names) {
            Path f = notesDir.resolve(name + ".md");
            if (Files.isRegularFile(f)) {
                out.put(name, Files.readString(f, StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static Map<String, Object> summaryRow(ScenarioResult r, List<Target> targets) {
        WriteVerification.Result v = r.verification();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("scenario", r.scenario());
        row.put("kind", r.kind());
        row.put("environment", r.environment());
        row.put("requests", r.requests());
        row.put("failedRequests", r.failedRequests());
        row.put("failedBeforeFault", r.failedBeforeFault());
        row.put("failedOperations", r.failedOperations());
        row.put("longestErrorWindowMs", r.longestErrorWindowMs());
        row.put("p99DuringFaultMs", round(r.latencyDuringFault().p99()));
        row.put("timeToReadyMs", r.timeToReadyMs());
        row.put("acknowledgedWrites", v == null ? null : v.acknowledged());
        row.put("acknowledgedWritesLost", v == null ? null : v.lost());
        row.put("duplicates", v == null ? null : v.duplicates() + v.conflictingPks());
        List<Map<String, Object>> clients = new ArrayList<>();
        for (ClientResult c : r.clients()) {
            WriteVerification.Result cv = c.verification();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("client", c.client());
            m.put("requests", c.requests());
            m.put("failedRequests", c.failedRequests());
            m.put("failedOperations", c.failedOperations());
            m.put("longestErrorWindowMs", c.longestErrorWindowMs());
            m.put("failureSpanMs", c.failureSpanMs());
            m.put("failedByCause", c.failedByCause());
            m.put("p99DuringFaultMs", round(c.latencyDuringFault().p99()));
            m.put("acknowledgedWrites", cv == null ? null : cv.acknowledged());
            m.put("acknowledgedWritesLost", cv == null ? null : cv.lost());
            m.put("duplicates", cv == null ? null : cv.duplicates() + cv.conflictingPks());
            m.put("unknownOutcome", cv == null ? null : cv.unacknowledged());
            m.put("unknownOutcomeStored", cv == null ? null : cv.unacknowledgedPresent());
            clients.add(m);
        }
        row.put("clients", clients);
        row.put("measurements", r.measurements());
        row.put("targets", targets);
        row.put("allTargetsMet", Targets.allMet(targets));
        return row;
    }

    static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    static String fmt(String pattern, Object... args) {
        return String.format(Locale.ROOT, pattern, args);
    }
}
