package io.messagestack.operator.reconcile;

import io.messagestack.operator.crd.GaleraStatus;
import io.messagestack.operator.crd.MessageStackStatus;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatusCalculatorTest {
    private static Observed allReady(List<Problem> problems) {
        GaleraStatus g = new GaleraStatus();
        g.clusterSize = 3;
        g.clusterStatus = "Primary";
        g.syncedNodes = 3;
        return new Observed(3, 3, 2, 2, 2, 2, true, 2, 2, g, "http://10.0.0.1:30080/", problems);
    }

    @Test
    void everythingReady() {
        MessageStackStatus s = StatusCalculator.calculate(null, allReady(List.of()), 4, "T");
        assertEquals("Ready", s.phase);
        assertEquals(4L, s.observedGeneration);
        assertTrue(Conditions.isTrue(s.conditions, Conditions.READY));
        assertEquals("3/3 Primary", s.databaseSummary);
        assertEquals(5, s.conditions.size());
        assertTrue(Conditions.find(s.conditions, Conditions.READY).getMessage().contains("http://10.0.0.1:30080/"));
    }

    @Test
    void creatingThenLosingANodeIsProgressingThenDegraded() {
        Observed creating = new Observed(1, 3, 0, 2, 0, 2, false, 2, 2, null, null, List.of());
        MessageStackStatus s1 = StatusCalculator.calculate(null, creating, 1, "T1");
        assertEquals("Progressing", s1.phase);
        assertEquals("WaitingForDatabase", Conditions.find(s1.conditions, Conditions.API_READY).getReason());
        assertEquals("DatabaseNotReady", Conditions.find(s1.conditions, Conditions.READY).getReason());
        MessageStackStatus s2 = StatusCalculator.calculate(s1, allReady(List.of()), 1, "T2");
        Observed lost = new Observed(2, 3, 2, 2, 2, 2, true, 2, 2, null, null, List.of());
        MessageStackStatus s3 = StatusCalculator.calculate(s2, lost, 1, "T3");
        assertEquals("Degraded", s3.phase);
        assertEquals("T3", Conditions.find(s3.conditions, Conditions.READY).getLastTransitionTime());
        assertEquals("T2", Conditions.find(s3.conditions, Conditions.PROXY_READY).getLastTransitionTime());
    }

    @Test
    void aProblemBecomesTheReasonAndThePhaseIsFailed() {
        MessageStackStatus s = StatusCalculator.calculate(null,
                allReady(List.of(new Problem(Conditions.DATABASE_READY, "EngineMismatch", "volume x holds y"))),
                1, "T");
        assertFalse(Conditions.isTrue(s.conditions, Conditions.READY));
        assertEquals("EngineMismatch", Conditions.find(s.conditions, Conditions.DATABASE_READY).getReason());
        assertEquals("EngineMismatch", Conditions.find(s.conditions, Conditions.READY).getReason());
        s = StatusCalculator.calculate(null, allReady(List.of(new Problem(Conditions.READY, "X", "y"))), 1, "T");
        assertEquals("Failed", s.phase);
    }
}
