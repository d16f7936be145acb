package io.messagestack.api.database;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How database transactions are retried on Galera conflicts and outages. */
@ConfigMapping(prefix = "messagestack.retry")
public interface RetryConfig {

    /** Attempts in all, the first one included. */
    @WithDefault("8")
    int maxAttempts();

    @WithDefault("50ms")
    Duration initialBackoff();

    /** With 8 attempts the pauses add up to 1.8 to 3.5 s, longer than HAProxy needs to fail over. */
    @WithDefault("1s")
    Duration maxBackoff();
}
