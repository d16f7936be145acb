package io.messagestack.chaos.report;

import io.messagestack.chaos.analysis.FaultEvents;
import io.messagestack.chaos.analysis.ScenarioAnalysis;
import io.messagestack.chaos.analysis.ScenarioResult;
import io.messagestack.chaos.analysis.WriteVerification;
import io.messagestack.chaos.record.RequestRecord;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.messagestack.chaos.analysis.Records.of;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 15's targets for the plain client, next to the careful client's issue-5 targets. */
class PlainTargetsTest {
    static final long T0 = 1_700_000_000_000L;
    static final WriteVerification.Result CLEAN = new WriteVerification.Result(10, 0, 0, 0, 0, List.of(), List.of(), 0);
    static final WriteVerification.Result LOST = new WriteVerification.Result(10, 1, 0, 0, 0, List.of("x"), List.of(), 0);

    /** A careful client that never fails, and a plain one with the given failures. */
    static ScenarioResult run(String kind, List<RequestRecord> plainFailures, WriteVerification.Result plainCheck) {
        List<RequestRecord> records = new ArrayList<>();
        for (long t = 0; t < 10_000; t += 100) {
            records.add(of("careful", T0 + t, 5, 200, null));
            records.add(of("plain", T0 + t + 50, 5, 200, null));
        }
        records.addAll(plainFailures);
        FaultEvents e = new FaultEvents("s", kind, null, "kind", T0 + 1000, T0 + 1100, T0 + 8000, null, null);
        return ScenarioAnalysis.analyze("r", records, e, List.of("careful", "plain"),
                Map.of("careful", CLEAN, "plain", plainCheck), null);
    }

    static Target named(List<Target> targets, String name) {
        return targets.stream().filter(t -> t.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no target '" + name + "' in " + targets));
    }

    record Case(String name, String kind, List<RequestRecord> failures, String target, Target.Status status) {
    }

    @Test
    void plainAvailabilityTargets() {
        List<Case> cases = List.of(
                new Case("pod kill, none failed", "pod-kill", List.of(), "failed requests (plain client)", Target.Status.MET),
                new Case("pod kill, one failed", "rolling-change", List.of(of("plain", T0 + 2000, 40, 502, null)),
                        "failed requests (plain client)", Target.Status.NOT_MET),
                new Case("node loss, two failures 0.8 s apart", "worker-stop",
                        List.of(of("plain", T0 + 2000, 100, 0, "refused"), of("plain", T0 + 2700, 100, 0, "refused")),
                        "failure span (plain client)", Target.Status.MET),
                // Short windows, but spread: the span catches it where the longest window would not.
                new Case("node loss, failures spread over 30 s", "worker-stop",
                        List.of(of("plain", T0 + 2000, 100, 0, "refused"), of("plain", T0 + 32_000, 100, 502, null)),
                        "failure span (plain client)", Target.Status.NOT_MET),
                new Case("node loss, slow answers in the fault", "worker-stop",
                        List.of(of("plain", T0 + 2000, 4000, 200, null), of("plain", T0 + 2100, 4000, 200, null)),
                        "p99 during fault (plain client)", Target.Status.NOT_MET),
                new Case("node loss, one 5 s timeout", "worker-stop", List.of(of("plain", T0 + 2000, 5000, 0, "timeout")),
                        "failure span (plain client)", Target.Status.NOT_MET));
        for (Case c : cases) {
            Target t = named(Targets.evaluate(run(c.kind(), c.failures(), CLEAN)), c.target());
            assertEquals(c.status(), t.status(), c.name() + ": " + t);
        }
    }

    @Test
    void kindsWithoutAPlainBudgetOnlyCheckItsWrites() {
        for (String kind : List.of("process-kill", "partition", "workers-half-stop", "full-crash", "data-only")) {
            List<Target> targets = Targets.evaluate(run(kind, List.of(of("plain", T0 + 2000, 40, 502, null)), CLEAN));
            List<String> plain = targets.stream().map(Target::name).filter(n -> n.endsWith("(plain client)")).toList();
            assertEquals(List.of("acknowledged writes lost (plain client)", "duplicated writes (plain client)"), plain, kind);
        }
    }

    @Test
    void aPlainWriteLostIsNotMetAndTheCarefulTargetsStayUnsuffixed() {
        List<Target> targets = Targets.evaluate(run("pod-kill", List.of(), LOST));
        assertEquals(Target.Status.NOT_MET, named(targets, "acknowledged writes lost (plain client)").status());
        assertEquals(Target.Status.MET, named(targets, "acknowledged writes lost").status());
        assertEquals(Target.Status.MET, named(targets, "failed requests").status());
        assertFalse(Targets.allMet(targets));
    }

    @Test
    void aPlainClientThatSentNothingIsNotMeasured() {
        FaultEvents e = new FaultEvents("s", "pod-kill", null, "kind", T0, T0 + 1, T0 + 2, null, null);
        ScenarioResult r = ScenarioAnalysis.analyze("r", List.of(of("careful", T0, 5, 200, null)), e,
                List.of("careful", "plain"), Map.of("careful", CLEAN, "plain", CLEAN), null);
        List<Target> targets = Targets.evaluate(r);
        assertEquals(Target.Status.NOT_MEASURED, named(targets, "acknowledged writes lost (plain client)").status());
        assertFalse(Targets.allMet(targets));
    }

    @Test
    void thePictureShowsBothClients(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        ScenarioResult r = run("worker-stop", List.of(of("plain", T0 + 2000, 100, 0, "refused")), CLEAN);
        ChartRenderer.render(r, dir.resolve("both.png"));
        assertTrue(java.nio.file.Files.size(dir.resolve("both.png")) > 1000);
    }

    @Test
    void theTableHasARowPerClientWithItsOwnTargets() {
        ScenarioResult r = run("worker-stop", List.of(of("plain", T0 + 2000, 100, 0, "refused"),
                of("plain", T0 + 32_000, 100, 502, null)), CLEAN);
        String md = Markdown.render(List.of(r), List.of(), "./");
        assertTrue(md.contains("| [s](#s) | careful | 0 of 100 | 0.0 s | 0.0 s |"), md);
        assertTrue(md.contains("|  | plain | 2 of 102 | 0.1 s | 30.1 s |"), md);
        assertTrue(md.contains("HTTP 502 x1, refused x1"), md);
        assertTrue(md.contains("| failure span (plain client) | <= 1.0 s | 30.1 s (2 failed) | **NOT MET** (over by 29.1 s) |"), md);
        assertTrue(md.contains("**plain client**: requests 102 (2 failed)"), md);
    }
}
