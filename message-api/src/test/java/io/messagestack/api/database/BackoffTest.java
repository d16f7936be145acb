package io.messagestack.api.database;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class BackoffTest {

    final Backoff backoff = new Backoff(Duration.ofMillis(50), Duration.ofSeconds(1));

    @Test
    void doublesUpToTheCap() {
        assertEquals(50, backoff.pauseAfter(1, () -> 1.0).toMillis());
        assertEquals(100, backoff.pauseAfter(2, () -> 1.0).toMillis());
        assertEquals(1000, backoff.pauseAfter(6, () -> 1.0).toMillis());
        assertEquals(1000, backoff.pauseAfter(7, () -> 1.0).toMillis());
        assertEquals(1000, backoff.pauseAfter(60, () -> 1.0).toMillis());
    }

    @Test
    void jitterTakesAtMostHalfAway() {
        assertEquals(400, backoff.pauseAfter(5, () -> 0.0).toMillis());
        assertEquals(600, backoff.pauseAfter(5, () -> 0.5).toMillis());
    }

    @Test
    void defaultBudgetOutlastsAHaproxyFailover() {
        long worstCaseShortest = 0;
        for (int attempt = 1; attempt < 8; attempt++) {
            worstCaseShortest += backoff.pauseAfter(attempt, () -> 0.0).toMillis();
        }
        // HAProxy marks a node down after 2 checks 500 ms apart; the retries must wait longer.
        assertEquals(true, worstCaseShortest > 1500, "sum of pauses " + worstCaseShortest);
    }
}
