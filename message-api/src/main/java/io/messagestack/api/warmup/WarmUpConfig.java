package io.messagestack.api.warmup;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of the start-up warm-up (see {@link WarmUp}). */
@ConfigMapping(prefix = "messagestack.warm-up")
public interface WarmUpConfig {

    /** Off: readiness does not wait for a warm-up. */
    @WithDefault("true")
    boolean enabled();

    /** Rounds run at least this many times, so one lucky round does not end it. */
    @WithDefault("2")
    int minRounds();

    @WithDefault("8")
    int maxRounds();

    /** A round that takes at most this long, with every answer as expected, means warm. */
    @WithDefault("500ms")
    Duration fastRound();

    /** After this, counted from the warm-up's start, the instance reports ready anyway. */
    @WithDefault("25s")
    Duration budget();

    /** Parallel copies of each round's requests: several worker threads and connections. */
    @WithDefault("4")
    int concurrency();
}
