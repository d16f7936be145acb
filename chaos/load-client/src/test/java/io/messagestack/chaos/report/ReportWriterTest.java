package io.messagestack.chaos.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.messagestack.chaos.analysis.ClusterSeries;
import io.messagestack.chaos.analysis.ScenarioResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportWriterTest {
    @TempDir
    Path dir;

    @Test
    void writesTableSummaryAndAPicturePerScenarioFromResultFiles() throws Exception {
        ScenarioResult good = TargetsTest.result("pod-kill", 0, 4000L, Map.of(), TargetsTest.CLEAN);
        ScenarioResult bad = TargetsTest.result("worker-stop", 4500, 50_000L, Map.of(), TargetsTest.CLEAN);
        bad = rename(bad, "worker-stop-one");
        Path results = Files.createDirectories(dir.resolve("results"));
        ObjectMapper json = ReportWriter.JSON;
        json.writeValue(results.resolve("db-pod-kill.json").toFile(), rename(good, "db-pod-kill"));
        json.writeValue(results.resolve("worker-stop-one.json").toFile(), bad);
        json.writeValue(results.resolve("summary.json").toFile(), Map.of("ignored", true));

        List<ScenarioResult> read = ReportWriter.readResults(results);
        assertEquals(2, read.size());
        boolean allMet = ReportWriter.write(read, dir.resolve("chaos.md"), results.resolve("summary.json"), results,
                "../chaos/results/", true);
        assertFalse(allMet);

        String md = Files.readString(dir.resolve("chaos.md"));
        assertTrue(md.contains("| [db-pod-kill](#db-pod-kill) | careful | 0 of 2 |"), md);
        assertTrue(md.contains("over by 1.5 s"), md);
        assertTrue(md.contains("![worker-stop-one](../chaos/results/worker-stop-one.png)"));

        JsonNode summary = json.readTree(results.resolve("summary.json").toFile());
        assertFalse(summary.get("allTargetsMet").asBoolean());
        assertEquals("db-pod-kill", summary.get("scenarios").get(0).get("scenario").asText());
        assertTrue(summary.get("scenarios").get(0).get("allTargetsMet").asBoolean());
        assertEquals(4500, summary.get("scenarios").get(1).get("longestErrorWindowMs").asLong());

        BufferedImage png = ImageIO.read(results.resolve("worker-stop-one.png").toFile());
        assertEquals(1000, png.getWidth());
        assertEquals(560, png.getHeight());
    }

    @Test
    void refusesNumbersNotMeasuredOnKind() {
        ScenarioResult r = TargetsTest.result("pod-kill", 0, 4000L, Map.of(), TargetsTest.CLEAN);
        ScenarioResult loopback = new ScenarioResult(r.scenario(), r.kind(), r.description(), "loopback", r.runId(),
                r.loadStartMs(), r.loadEndMs(), r.requests(), r.failedRequests(), r.operations(), r.failedOperations(),
                r.longestErrorWindowMs(), r.errorWindows(), r.latencyOverall(), r.latencyDuringFault(), r.faultStartMs(),
                r.faultEndMs(), r.readyAtMs(), r.timeToReadyMs(), r.verification(), r.verificationError(), r.servedBy(),
                r.errorsByKind(), r.measurements(), r.notes(), r.timelineBinMs(), r.timeline());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReportWriter.write(
                List.of(loopback), dir.resolve("c.md"), dir.resolve("s.json"), dir, "", true));
        assertTrue(e.getMessage().contains("not on kind"));
    }

    @Test
    void aScenarioThatLeftNoResultIsListedAndNotMet() throws Exception {
        ScenarioResult good = rename(TargetsTest.result("pod-kill", 0, 4000L, Map.of(), TargetsTest.CLEAN), "db-pod-kill");
        boolean allMet = ReportWriter.write(List.of(good), List.of("full-db-crash"), dir.resolve("chaos.md"),
                dir.resolve("summary.json"), dir, "", true);
        assertFalse(allMet);
        assertTrue(Files.readString(dir.resolve("chaos.md")).contains("| [full-db-crash](#full-db-crash) | | no result"));
        assertEquals("full-db-crash", ReportWriter.JSON.readTree(dir.resolve("summary.json").toFile())
                .get("scenariosWithoutResult").get(0).asText());
    }

    @Test
    void aPersonsExplanationIsShownWithTheNumbers() throws Exception {
        ScenarioResult r = rename(TargetsTest.result("worker-stop", 4500, 50_000L, Map.of(), TargetsTest.CLEAN), "worker-stop-one");
        Path notes = Files.createDirectories(dir.resolve("notes"));
        Files.writeString(notes.resolve("worker-stop-one.md"), "Endpoints keep the dead pod for 40 s.\n");
        ReportWriter.write(List.of(r), List.of(), dir.resolve("chaos.md"), dir.resolve("summary.json"), dir, "", true, notes);
        assertTrue(Files.readString(dir.resolve("chaos.md"))
                .contains("Why (chaos/notes/worker-stop-one.md): Endpoints keep the dead pod for 40 s."));
    }

    @Test
    void aRunWithoutAnyRequestStillGetsAPicture() throws Exception {
        io.messagestack.chaos.analysis.FaultEvents e = new io.messagestack.chaos.analysis.FaultEvents("empty",
                "pod-kill", null, "kind", TargetsTest.T0, TargetsTest.T0 + 10, null, null, null);
        ScenarioResult r = io.messagestack.chaos.analysis.ScenarioAnalysis.analyze("r", List.of(), e, null, "no db");
        ChartRenderer.render(r, dir.resolve("empty.png"));
        assertTrue(Files.size(dir.resolve("empty.png")) > 1000);
        assertFalse(Targets.allMet(Targets.evaluate(r)));
    }

    @Test
    void theClusterSeriesSurvivesTheResultFileAndAddsAPanel() throws Exception {
        ScenarioResult r = TargetsTest.result("pod-kill", 0, 4000L, Map.of(), TargetsTest.CLEAN);
        long t = r.loadStartMs();
        r = rename(r, "db-pod-kill").withCluster(List.of(
                new ClusterSeries.Sample(t, 3, "db-0"),
                new ClusterSeries.Sample(t + 5_000, 2, "db-1"),
                new ClusterSeries.Sample(t + 10_000, null, null),
                new ClusterSeries.Sample(t + 15_000, 3, "db-1")), null);
        ScenarioResult broken = rename(r, "db-pod-kill-force").withCluster(List.of(), "Prometheus did not answer");
        Path results = Files.createDirectories(dir.resolve("results"));
        ReportWriter.JSON.writeValue(results.resolve("db-pod-kill.json").toFile(), r);
        ReportWriter.JSON.writeValue(results.resolve("db-pod-kill-force.json").toFile(), broken);

        List<ScenarioResult> read = ReportWriter.readResults(results);
        assertEquals(r.cluster(), read.stream().filter(x -> x.scenario().equals("db-pod-kill")).findFirst().orElseThrow().cluster());
        ReportWriter.write(read, dir.resolve("chaos.md"), results.resolve("summary.json"), results, "", true);

        assertEquals(760, ImageIO.read(results.resolve("db-pod-kill.png").toFile()).getHeight());
        assertEquals(560, ImageIO.read(results.resolve("db-pod-kill-force.png").toFile()).getHeight());
        String md = Files.readString(dir.resolve("chaos.md"));
        assertTrue(md.contains("Galera cluster size and HAProxy's writer from the lab's Prometheus, 4 samples"), md);
        assertTrue(md.contains("Cluster panel: not drawn (Prometheus did not answer)"), md);
    }

    @Test
    void noResultsSaysNotMeasuredYet() throws Exception {
        ReportWriter.write(List.of(), dir.resolve("chaos.md"), dir.resolve("summary.json"), dir, "", true);
        assertTrue(Files.readString(dir.resolve("chaos.md")).contains("Not measured yet"));
    }

    static ScenarioResult rename(ScenarioResult r, String name) {
        return new ScenarioResult(name, r.kind(), r.description(), r.environment(), r.runId(),
                r.loadStartMs(), r.loadEndMs(), r.requests(), r.failedRequests(), r.operations(), r.failedOperations(),
                r.longestErrorWindowMs(), r.errorWindows(), r.latencyOverall(), r.latencyDuringFault(), r.faultStartMs(),
                r.faultEndMs(), r.readyAtMs(), r.timeToReadyMs(), r.verification(), r.verificationError(), r.servedBy(),
                r.errorsByKind(), r.measurements(), r.notes(), r.timelineBinMs(), r.timeline());
    }
}
