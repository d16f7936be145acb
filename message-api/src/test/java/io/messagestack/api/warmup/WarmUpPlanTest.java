package io.messagestack.api.warmup;

import static io.messagestack.api.warmup.WarmUpPlan.Decision.NEXT_ROUND;
import static io.messagestack.api.warmup.WarmUpPlan.Decision.OUT_OF_TIME;
import static io.messagestack.api.warmup.WarmUpPlan.Decision.ROUNDS_EXHAUSTED;
import static io.messagestack.api.warmup.WarmUpPlan.Decision.WARM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WarmUpPlanTest {

    // min 2 rounds, max 8, fast = 300 ms, budget 25 s: the defaults in application.properties
    final WarmUpPlan plan = new WarmUpPlan(2, 8, 300, 25_000);

    @Test
    void aSlowFirstRoundIsFollowedByAnother() {
        assertEquals(NEXT_ROUND, plan.afterRound(1, 4_000, true, 4_000));
    }

    @Test
    void aFastFirstRoundIsNotEnough() {
        assertEquals(NEXT_ROUND, plan.afterRound(1, 100, true, 100));
    }

    @Test
    void aFastCleanRoundAfterTheMinimumMeansWarm() {
        assertEquals(WARM, plan.afterRound(2, 300, true, 4_300));
        assertEquals(WARM, plan.afterRound(5, 10, true, 9_000));
    }

    @Test
    void aFastRoundWithUnexpectedAnswersIsNotWarm() {
        assertEquals(NEXT_ROUND, plan.afterRound(2, 50, false, 4_050));
    }

    @Test
    void stopsAfterTheLastAllowedRound() {
        assertEquals(ROUNDS_EXHAUSTED, plan.afterRound(8, 900, true, 12_000));
        assertEquals(ROUNDS_EXHAUSTED, plan.afterRound(8, 10, false, 12_000));
    }

    @Test
    void stopsWhenTheBudgetIsSpent() {
        assertEquals(OUT_OF_TIME, plan.afterRound(3, 9_000, true, 25_000));
        assertEquals(OUT_OF_TIME, plan.afterRound(2, 30_000, false, 31_000));
    }

    @Test
    void aWarmRoundCountsEvenPastTheBudget() {
        assertEquals(WARM, plan.afterRound(3, 200, true, 26_000));
    }

    @Test
    void readinessStopsWaitingAtTheBudget() {
        assertFalse(plan.pastBudget(24_999));
        assertTrue(plan.pastBudget(25_000));
    }

    @Test
    void aRequestGetsAtMostWhatIsLeftOfTheBudget() {
        assertEquals(5_000, plan.remainingMs(20_000));
        assertEquals(1, plan.remainingMs(25_000));
        assertEquals(1, plan.remainingMs(40_000));
    }

    @Test
    void refusesSettingsThatCannotWork() {
        assertThrows(IllegalArgumentException.class, () -> new WarmUpPlan(0, 8, 300, 25_000));
        assertThrows(IllegalArgumentException.class, () -> new WarmUpPlan(3, 2, 300, 25_000));
        assertThrows(IllegalArgumentException.class, () -> new WarmUpPlan(1, 2, -1, 25_000));
    }
}
