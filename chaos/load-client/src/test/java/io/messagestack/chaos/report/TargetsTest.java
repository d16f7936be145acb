package io.messagestack.chaos.report;

import io.messagestack.chaos.analysis.FaultEvents;
import io.messagestack.chaos.analysis.Records;
import io.messagestack.chaos.analysis.ScenarioAnalysis;
import io.messagestack.chaos.analysis.ScenarioResult;
import io.messagestack.chaos.analysis.WriteVerification;
import io.messagestack.chaos.record.RequestRecord;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TargetsTest {
    static final long T0 = 1_700_000_000_000L;
    static final WriteVerification.Result CLEAN = new WriteVerification.Result(10, 0, 0, 0, 0, List.of(), List.of());

    static ScenarioResult result(String kind, long errorWindowMs, Long readyAfterMs, Map<String, Object> m,
                                 WriteVerification.Result v) {
        List<RequestRecord> records = new ArrayList<>();
        records.add(Records.ok(T0, 5));
        if (errorWindowMs > 0) {
            records.add(Records.failed(T0 + 1000, errorWindowMs));
        }
        records.add(Records.ok(T0 + 1000 + errorWindowMs + 10, 5));
        FaultEvents e = new FaultEvents("s", kind, null, "kind", T0 + 900, T0 + 1000,
                readyAfterMs == null ? null : T0 + 900 + readyAfterMs, m, List.of());
        return ScenarioAnalysis.analyze("r", records, e, v, v == null ? "port-forward failed" : null);
    }

    static Target named(List<Target> targets, String name) {
        return targets.stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void podKillNeedsZeroFailedRequests() {
        assertTrue(Targets.allMet(Targets.evaluate(result("pod-kill", 0, 5000L, Map.of(), CLEAN))));
        List<Target> t = Targets.evaluate(result("pod-kill", 50, 5000L, Map.of(), CLEAN));
        assertEquals(Target.Status.NOT_MET, named(t, "failed requests").status());
        assertEquals("1 of 3", named(t, "failed requests").actual());
    }

    @Test
    void restoreDrillNeedsAQuietBackupARecentArchiveNothingAfterTheT_AndTheRestoredStackReady() {
        Map<String, Object> good = Map.of("rpoMaxMs", 1200, "rtoMs", 95_000, "restoredAfterPoint_careful", 0);
        List<Target> ok = Targets.evaluate(result("restore-drill", 0, 5000L, good, CLEAN));
        assertTrue(Targets.allMet(ok), ok.toString());
        assertEquals("0", named(ok, "failed requests during the backup").actual());
        assertEquals("after 95.0 s", named(ok, "restored stack Ready").actual());

        // A request that failed while the backup ran (the fault window).
        List<Target> failed = Targets.evaluate(result("restore-drill", 50, 5000L, good, CLEAN));
        assertEquals(Target.Status.NOT_MET, named(failed, "failed requests during the backup").status());

        List<Target> late = Targets.evaluate(result("restore-drill", 0, 5000L,
                Map.of("rpoMaxMs", 6000, "rtoMs", 95_000, "restoredAfterPoint_careful", 0), CLEAN));
        assertEquals(Target.Status.NOT_MET,
                named(late, "recovery point (archive behind an acknowledged write, max)").status());

        List<Target> afterT = Targets.evaluate(result("restore-drill", 0, 5000L,
                Map.of("rpoMaxMs", 1200, "rtoMs", 95_000, "restoredAfterPoint_careful", 2), CLEAN));
        assertEquals(Target.Status.NOT_MET, named(afterT, "writes sent after T restored (careful client)").status());

        List<Target> unmeasured = Targets.evaluate(result("restore-drill", 0, 5000L, Map.of(), CLEAN));
        assertEquals(Target.Status.NOT_MEASURED,
                named(unmeasured, "recovery point (archive behind an acknowledged write, max)").status());
        assertEquals(Target.Status.NOT_MET, named(unmeasured, "restored stack Ready").status());
        assertEquals(Target.Status.NOT_MEASURED,
                named(unmeasured, "writes sent after T restored (careful client)").status());
        assertFalse(Targets.allMet(unmeasured));
    }

    @Test
    void operatorUpgradeNeedsZeroFailedRequestsRollingRestartsAndTheNewOperatorEverywhere() {
        Map<String, Object> good = Map.of("dbRestartsOneAtATime", true, "operatorUpgraded", true);
        assertTrue(Targets.allMet(Targets.evaluate(result("operator-upgrade", 0, 5000L, good, CLEAN))));
        assertFalse(Targets.allMet(Targets.evaluate(result("operator-upgrade", 50, 5000L, good, CLEAN))));
        List<Target> twoAtOnce = Targets.evaluate(result("operator-upgrade", 0, 5000L,
                Map.of("dbRestartsOneAtATime", false, "operatorUpgraded", true), CLEAN));
        assertEquals(Target.Status.NOT_MET, named(twoAtOnce, "database pods restarted one at a time").status());
        List<Target> unproven = Targets.evaluate(result("operator-upgrade", 0, 5000L, Map.of("dbRestartsOneAtATime", true), CLEAN));
        assertEquals(Target.Status.NOT_MEASURED, named(unproven, "every operator pod runs the new image").status());
        assertFalse(Targets.allMet(unproven));
    }

    @Test
    void aSwitchoverNeedsZeroFailedRequestsAndTheWriterMoved() {
        assertTrue(Targets.allMet(Targets.evaluate(result("switchover", 0, 5000L, Map.of("writerMoved", true), CLEAN))));
        assertFalse(Targets.allMet(Targets.evaluate(result("switchover", 50, 5000L, Map.of("writerMoved", true), CLEAN))));
        List<Target> stayed = Targets.evaluate(result("switchover", 0, 5000L, Map.of("writerMoved", false), CLEAN));
        assertEquals(Target.Status.NOT_MET, named(stayed, "the writer moved to the named node").status());
        assertEquals(Target.Status.NOT_MEASURED, named(Targets.evaluate(result("switchover", 0, 5000L, Map.of(),
                CLEAN)), "the writer moved to the named node").status());
    }

    @Test
    void aNodeDrainNeedsZeroFailedRequests() {
        assertTrue(Targets.allMet(Targets.evaluate(result("drain-node", 0, 5000L, Map.of(), CLEAN))));
        assertEquals(Target.Status.NOT_MET, named(Targets.evaluate(result("drain-node", 50, 5000L, Map.of(), CLEAN)),
                "failed requests").status());
    }

    @Test
    void workerStopAllowsThreeSecondsOfErrorsAndSaysByHowMuchItMissed() {
        assertTrue(Targets.allMet(Targets.evaluate(result("worker-stop", 3000, 60_000L, Map.of(), CLEAN))));
        Target t = named(Targets.evaluate(result("worker-stop", 4500, 60_000L, Map.of(), CLEAN)), "longest error window");
        assertEquals(Target.Status.NOT_MET, t.status());
        assertEquals("over by 1.5 s", t.gap());
    }

    @Test
    void fullCrashMustBeReadyWithin120Seconds() {
        assertTrue(Targets.allMet(Targets.evaluate(result("full-crash", 9000, 119_000L, Map.of(), CLEAN))));
        assertFalse(Targets.allMet(Targets.evaluate(result("full-crash", 9000, 121_000L, Map.of(), CLEAN))));
        assertFalse(Targets.allMet(Targets.evaluate(result("full-crash", 9000, null, Map.of(), CLEAN))));
    }

    @Test
    void theAlertScenariosHaveTargets() {
        // desync-node: the writer is not touched, so no request may fail.
        assertTrue(Targets.allMet(Targets.evaluate(result("desync-node", 0, 400_000L, Map.of(), CLEAN))));
        // backup-age: old-looking backups and a new backup cost no request.
        assertTrue(Targets.allMet(Targets.evaluate(result("backup-age", 0, 800_000L, Map.of(), CLEAN))));
        assertEquals(Target.Status.NOT_MET,
                named(Targets.evaluate(result("backup-age", 1, 800_000L, Map.of(), CLEAN)), "failed requests").status());
        assertEquals(Target.Status.NOT_MET,
                named(Targets.evaluate(result("desync-node", 50, 400_000L, Map.of(), CLEAN)), "failed requests").status());
        // flow-control: writes stall on purpose; lost writes and no Ready still fail it.
        assertTrue(Targets.allMet(Targets.evaluate(result("flow-control", 420_000, 425_000L, Map.of(), CLEAN))));
        WriteVerification.Result lost = new WriteVerification.Result(10, 1, 0, 0, 0, List.of("x"), List.of());
        assertFalse(Targets.allMet(Targets.evaluate(result("flow-control", 420_000, 425_000L, Map.of(), lost))));
        assertFalse(Targets.allMet(Targets.evaluate(result("flow-control", 420_000, null, Map.of(), CLEAN))));
    }

    @Test
    void lostOrDuplicatedWritesFailEveryScenario() {
        WriteVerification.Result lost = new WriteVerification.Result(10, 1, 0, 0, 0, List.of("x"), List.of());
        WriteVerification.Result dup = new WriteVerification.Result(10, 0, 2, 0, 0, List.of(), List.of("y"));
        assertFalse(Targets.allMet(Targets.evaluate(result("workers-half-stop", 9000, 1000L, Map.of(), lost))));
        assertFalse(Targets.allMet(Targets.evaluate(result("scaling", 0, 1000L, Map.of(), dup))));
        assertTrue(Targets.allMet(Targets.evaluate(result("workers-half-stop", 9000, 1000L, Map.of(), CLEAN))));
    }

    @Test
    void aDatabaseCheckThatDidNotRunIsNotMet() {
        List<Target> t = Targets.evaluate(result("pod-kill", 0, 1000L, Map.of(), null));
        assertEquals(Target.Status.NOT_MEASURED, named(t, "acknowledged writes lost").status());
        assertFalse(Targets.allMet(t));
    }

    @Test
    void vipMoveIsJudgedOnlyWhenVipIsOn() {
        assertEquals(Target.Status.NOT_MEASURED, named(Targets.evaluate(result("process-kill", 0, 1000L,
                Map.of("vipEnabled", false), CLEAN)), "VIP leaves the node").status());
        assertEquals(Target.Status.MET, named(Targets.evaluate(result("process-kill", 0, 1000L,
                Map.of("vipEnabled", true, "vipMoveMs", 2900), CLEAN)), "VIP leaves the node").status());
        assertEquals(Target.Status.NOT_MET, named(Targets.evaluate(result("process-kill", 0, 1000L,
                Map.of("vipEnabled", true), CLEAN)), "VIP leaves the node").status());
    }

    @Test
    void partitionNeedsRefusalAndRejoin() {
        assertTrue(Targets.allMet(Targets.evaluate(result("partition", 8000, 90_000L,
                Map.of("isolatedNodeRefusedWrite", true, "rejoinedWithoutManualStep", true), CLEAN))));
        assertFalse(Targets.allMet(Targets.evaluate(result("partition", 8000, 90_000L,
                Map.of("isolatedNodeRefusedWrite", false, "rejoinedWithoutManualStep", true), CLEAN))));
    }

    @Test
    void notReadyAgainIsNotMet() {
        assertFalse(Targets.allMet(Targets.evaluate(result("pod-kill", 0, null, Map.of(), CLEAN))));
    }

    @Test
    void unknownKindIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> Targets.evaluate(result("meteor-strike", 0, 1000L, Map.of(), CLEAN)));
    }
}
