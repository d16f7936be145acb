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

    @WithDefault("1s")
    Duration maxBackoff();

    /**
     * Time for all attempts of one operation together, pauses included. It ends, with the one
     * key lookup allowed past it (attemptTimeout), before nginx's 12 s proxy_read_timeout, so the
     * answer is always the API's own (a 503/409 problem), and it outlasts a Galera view change
     * after a node crash (evs.suspect_timeout 5 s, then HAProxy's check and a new connection: 7-8 s
     * on a loaded host, so 8 s left no margin), which holds every commit in the cluster.
     */
    @WithDefault("9s")
    Duration budget();

    /**
     * Network timeout of the first attempt's statements and commit; it doubles with every
     * attempt (capped by what is left of the budget). A connection whose peer vanished without a
     * reset (a killed pod, a dead HAProxy) answers nothing; after this long the attempt is given
     * up and the next one runs on a fresh connection, which the proxy routes to a live path.
     */
    @WithDefault("1s")
    Duration attemptTimeout();
}
