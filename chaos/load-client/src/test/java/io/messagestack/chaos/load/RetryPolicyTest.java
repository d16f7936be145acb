package io.messagestack.chaos.load;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetryPolicyTest {
    final RetryPolicy policy = new RetryPolicy(3, Duration.ofMillis(200));

    @Test
    void retriesWhatMayBeTransient() {
        assertTrue(policy.shouldRetry(1, 0));
        assertTrue(policy.shouldRetry(1, 502));
        assertTrue(policy.shouldRetry(1, 503));
        assertTrue(policy.shouldRetry(1, 409));
        assertFalse(policy.shouldRetry(1, 400));
        assertFalse(policy.shouldRetry(1, 404));
    }

    @Test
    void isBounded() {
        assertTrue(policy.shouldRetry(3, 503));
        assertFalse(policy.shouldRetry(4, 503));
    }

    @Test
    void backsOffExponentiallyWithACap() {
        assertEquals(200, policy.backoffBefore(2).toMillis());
        assertEquals(400, policy.backoffBefore(3).toMillis());
        assertEquals(800, policy.backoffBefore(4).toMillis());
        assertEquals(2000, policy.backoffBefore(9).toMillis());
    }
}
