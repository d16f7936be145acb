package io.messagestack.api.warmup;

/**
 * When the warm-up stops: after a clean round that was fast (once the minimum rounds are
 * done), after the last allowed round, or when the time budget is spent. Pure, so the
 * decisions are unit-tested without a clock.
 */
public record WarmUpPlan(int minRounds, int maxRounds, long fastRoundMs, long budgetMs) {

    public enum Decision {
        NEXT_ROUND(false),
        WARM(true),
        ROUNDS_EXHAUSTED(true),
        OUT_OF_TIME(true);

        private final boolean stop;

        Decision(boolean stop) {
            this.stop = stop;
        }

        public boolean stop() {
            return stop;
        }
    }

    public WarmUpPlan {
        if (minRounds < 1 || maxRounds < minRounds || fastRoundMs < 0 || budgetMs < 0) {
            throw new IllegalArgumentException("warm-up needs 1 <= min-rounds <= max-rounds and non-negative times, got "
                    + minRounds + "/" + maxRounds + "/" + fastRoundMs + "/" + budgetMs);
        }
    }

    /**
     * @param round the round just finished, from 1
     * @param roundMs how long it took
     * @param clean whether every answer was the expected one
     * @param elapsedMs time since the warm-up started, this round included
     */
    public Decision afterRound(int round, long roundMs, boolean clean, long elapsedMs) {
        if (clean && roundMs <= fastRoundMs && round >= minRounds) {
            return Decision.WARM;
        }
        if (round >= maxRounds) {
            return Decision.ROUNDS_EXHAUSTED;
        }
        if (pastBudget(elapsedMs)) {
            return Decision.OUT_OF_TIME;
        }
        return Decision.NEXT_ROUND;
    }

    /** Readiness stops waiting after the budget even if a round hangs. */
    public boolean pastBudget(long elapsedMs) {
        return elapsedMs >= budgetMs;
    }

    /** What is left of the budget, as a bound for one request (at least 1 ms). */
    public long remainingMs(long elapsedMs) {
        return Math.max(1, budgetMs - elapsedMs);
    }
}
