package io.messagestack.chaos.load;

import java.time.Duration;

/**
 * What a sensible client does after a failed attempt: retry the same request (same idempotency key)
 * a bounded number of times with a short, growing pause, but only when a retry can help.
 */
public final class RetryPolicy {
    private final int maxRetries;
    private final Duration firstBackoff;

    public RetryPolicy(int maxRetries, Duration firstBackoff) {
        this.maxRetries = maxRetries;
        this.firstBackoff = firstBackoff;
    }

    /** Whether attempt {@code attempt} (1-based) that ended with {@code status} (0: no response) is retried. */
    public boolean shouldRetry(int attempt, int status) {
        if (attempt > maxRetries) {
            return false;
        }
        // No response, a proxy/gateway error, or a server error: the stack may be mid-failover.
        // 409 is what an idempotent API answers while the first attempt with the key is still in flight.
        // Other 4xx mean the request itself is wrong; repeating it cannot help.
        return status == 0 || status == 409 || status == 429 || status >= 500;
    }

    /** Pause before attempt {@code nextAttempt} (2-based): first, 2x first, 4x first ... capped at 2 s. */
    public Duration backoffBefore(int nextAttempt) {
        long ms = firstBackoff.toMillis() << Math.min(10, Math.max(0, nextAttempt - 2));
        return Duration.ofMillis(Math.min(ms, 2000));
    }

    public int maxRetries() {
        return maxRetries;
    }
}
