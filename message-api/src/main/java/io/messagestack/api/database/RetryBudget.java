package io.messagestack.api.database;

import java.time.Duration;

/**
 * The time rules of one retried operation. Pure: the clock is passed in (nanoseconds since the
 * operation started).
 */
public record RetryBudget(Duration budget, Duration attemptTimeout) {

    /** Below this an attempt cannot do a round trip plus a commit on a busy node: not worth starting. */
    static final long MIN_ATTEMPT_MS = 100;

    /** Network timeout for attempt {@code number}, or 0 when the budget cannot fit another attempt. */
    public long attemptTimeoutMs(int number, long elapsedNanos) {
        long left = budget.toMillis() - elapsedNanos / 1_000_000;
        long grown = attemptTimeout.toMillis() << Math.min(number - 1, 16);
        long timeout = Math.min(grown, left);
        return timeout < MIN_ATTEMPT_MS ? 0 : timeout;
    }

    /** Whether a pause before the next attempt still leaves it room within the budget. */
    public boolean roomFor(Duration pause, long elapsedNanos) {
        return elapsedNanos / 1_000_000 + pause.toMillis() + MIN_ATTEMPT_MS <= budget.toMillis();
    }
}
