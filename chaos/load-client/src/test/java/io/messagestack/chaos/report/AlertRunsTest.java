package io.messagestack.chaos.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AlertRunsTest {
    @Test
    void everyRunOfEveryFileBecomesARowTheFailedOnesMarked(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("full-db-crash.jsonl"), """
                {"scenario":"full-db-crash","alert":"MessageStackGaleraNotPrimary","faultAt":"2026-12-06T15:05:09Z","readyAfterSeconds":35,"firedAfterFaultSeconds":15,"resolvedAfterReadySeconds":-10,"fireBudgetSeconds":45,"resolveBudgetSeconds":60,"hostLoad1m":"18.96","ok":true}
                {"scenario":"full-db-crash","alert":"MessageStackGaleraNotPrimary","faultAt":"2026-12-06T17:56:29Z","readyAfterSeconds":35,"firedAfterFaultSeconds":null,"resolvedAfterReadySeconds":null,"fireBudgetSeconds":45,"resolveBudgetSeconds":60,"hostLoad1m":"18.59","ok":false}
                """);
        Files.writeString(dir.resolve("writer-flapping.jsonl"), """
                {"scenario":"writer-flapping","alert":"MessageStackWriterFlapping","faultAt":"2026-12-07T07:41:27Z","runs":3,"readyAfterSeconds":43,"firedAfterFaultSeconds":53,"resolvedAfterReadySeconds":null,"fireBudgetSeconds":60,"resolveBudgetSeconds":"later","hostLoad1m":"41.08","ok":true}
                """);
        Files.writeString(dir.resolve("notes.txt"), "not a run");
        List<AlertRuns.Run> runs = AlertRuns.read(dir);
        assertEquals(3, runs.size());
        String md = AlertRuns.markdown(runs);
        assertTrue(md.contains("| MessageStackGaleraNotPrimary | full-db-crash | 2026-12-06 15:05:09 | 15 s (budget 45 s) | -10 s (budget 60 s) | 35 s | 18.96 | passed |"), md);
        assertTrue(md.contains("| **never** (budget 45 s) | **not resolved** | 35 s | 18.59 | **failed** |"), md);
        assertTrue(md.contains("| 53 s (budget 60 s) | later (an hour's window) |"), md);
    }

    @Test
    void noFolderNoSectionAndABrokenLineIsAnError(@TempDir Path dir) throws IOException {
        assertEquals("", AlertRuns.markdown(AlertRuns.read(dir.resolve("missing"))));
        Files.writeString(dir.resolve("x.jsonl"), "{\"alert\":\"A\"}\n");
        IOException e = assertThrows(IOException.class, () -> AlertRuns.read(dir));
        assertTrue(e.getMessage().contains("x.jsonl line 1"), e.getMessage());
    }

    @Test
    void theReportShowsTheSectionAfterTheTable() {
        var run = new AlertRuns.Run("worker-stop-one", "MessageStackGaleraClusterSizeBelowDesired", "2026-12-06T18:05:37Z",
                76, 120, -22, "60", 139, "19.12", true);
        String md = Markdown.render(List.of(), List.of(), "../chaos/results/", Map.of(), List.of(run));
        assertTrue(md.contains("## Alerts fired by the scenarios"), md);
        assertTrue(md.contains("| MessageStackGaleraClusterSizeBelowDesired | worker-stop-one |"), md);
    }
}
