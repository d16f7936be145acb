package io.messagestack.api.database;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with jitter: attempt n waits between half and all of
 * min(max, initial * 2^(n-1)). Jitter keeps retries of clients that failed together apart.
 */
public record Backoff(Duration initial, Duration max) {

    public Duration pauseAfter(int failedAttempt, DoubleSupplier random) {
        long ceiling = initial.toMillis() << Math.min(failedAttempt - 1, 20);
        long capped = Math.min(max.toMillis(), Math.max(ceiling, 1));
        double factor = 0.5 + 0.5 * random.getAsDouble();
        return Duration.ofMillis(Math.max(1, Math.round(capped * factor)));
    }
}
