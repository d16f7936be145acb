package io.messagestack.api.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class RetryBudgetTest {

    static final long MS = 1_000_000;
    final RetryBudget budget = new RetryBudget(Duration.ofSeconds(8), Duration.ofSeconds(1));

    @Test
    void attemptTimeoutsDoubleSoASlowButAliveNodeStillAnswers() {
        assertEquals(1000, budget.attemptTimeoutMs(1, 0));
        assertEquals(2000, budget.attemptTimeoutMs(2, 1_100 * MS));
        assertEquals(4000, budget.attemptTimeoutMs(3, 3_200 * MS));
    }

    @Test
    void noAttemptOutlastsTheBudget() {
        assertEquals(800, budget.attemptTimeoutMs(4, 7_200 * MS));
        assertEquals(0, budget.attemptTimeoutMs(5, 7_950 * MS), "no room for another attempt");
        assertEquals(0, budget.attemptTimeoutMs(2, 9_000 * MS));
        assertEquals(8000, new RetryBudget(Duration.ofSeconds(8), Duration.ofSeconds(1)).attemptTimeoutMs(40, 0),
                "a huge attempt number does not overflow");
    }

    @Test
    void aPauseIsTakenOnlyWhenAnAttemptStillFitsAfterIt() {
        assertTrue(budget.roomFor(Duration.ofMillis(500), 1_000 * MS));
        assertFalse(budget.roomFor(Duration.ofMillis(500), 7_500 * MS));
        assertFalse(budget.roomFor(Duration.ZERO, 7_950 * MS));
    }
}
