package io.messagestack.operator.database;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FullCrashRecoveryTest {
    private static final String U = "69a5882d-e8dd-11f1-a129-7fb5ec1daa7b";

    private static GaleraProbe.PodState waiting(String pod, String uuid, Long seqno, boolean safe) {
        return new GaleraProbe.PodState(pod, "10.0.0." + pod.charAt(pod.length() - 1),
                new GaleraProbe.NodeState("", 0, false, true, false, uuid, seqno, safe));
    }

    @Test
    void theMostAdvancedNodeBootstraps() {
        var d = FullCrashRecovery.decide(List.of(waiting("db-0", U, 10L, false), waiting("db-1", U, 12L, false),
                waiting("db-2", U, 11L, false)), 3).orElseThrow();
        assertEquals("db-1", d.pod());
        assertEquals("10.0.0.1", d.ip());
        assertTrue(d.reason().contains("seqno 12"));
    }

    @Test
    void safeToBootstrapWinsAndTiesGoToTheLowestOrdinal() {
        assertEquals("db-2", FullCrashRecovery.decide(List.of(waiting("db-0", U, 12L, false),
                waiting("db-1", U, 12L, false), waiting("db-2", U, 12L, true)), 3).orElseThrow().pod());
        assertEquals("db-0", FullCrashRecovery.decide(List.of(waiting("db-0", U, 12L, false),
                waiting("db-1", U, 12L, false), waiting("db-2", U, 12L, false)), 3).orElseThrow().pod());
    }

    @Test
    void aNodeOfAnotherHistoryIsNotChosenEvenWithAHigherSeqno() {
        String other = "11111111-e8dd-11f1-a129-7fb5ec1daa7b";
        assertEquals("db-1", FullCrashRecovery.decide(List.of(waiting("db-0", other, 99L, false),
                waiting("db-1", U, 12L, false), waiting("db-2", U, 11L, false)), 3).orElseThrow().pod());
    }

    @Test
    void nothingIsDecidedWhileAPrimaryExistsANodeIsMissingOrADecisionWasSent() {
        var primary = new GaleraProbe.PodState("db-0", "ip", new GaleraProbe.NodeState("Primary", 1, true));
        assertTrue(FullCrashRecovery.decide(List.of(primary, waiting("db-1", U, 12L, false),
                waiting("db-2", U, 11L, false)), 3).isEmpty());
        assertTrue(FullCrashRecovery.decide(List.of(waiting("db-1", U, 12L, false), waiting("db-2", U, 11L, false)),
                3).isEmpty(), "a node that has not reported may be the most advanced");
        var requested = new GaleraProbe.PodState("db-0", "ip",
                new GaleraProbe.NodeState("", 0, false, true, true, U, 12L, false));
        assertTrue(FullCrashRecovery.decide(List.of(requested, waiting("db-1", U, 12L, false),
                waiting("db-2", U, 11L, false)), 3).isEmpty());
    }

    @Test
    void noKnownPositionMeansAPersonDecides() {
        assertTrue(FullCrashRecovery.decide(List.of(waiting("db-0", U, -1L, false), waiting("db-1", U, -1L, false),
                waiting("db-2", null, null, false)), 3).isEmpty());
    }
}
