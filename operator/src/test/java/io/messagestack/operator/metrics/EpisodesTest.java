package io.messagestack.operator.metrics;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EpisodesTest {
    private static final StackMetrics.Key DEMO = new StackMetrics.Key("messagestack", "demo");
    private static final StackMetrics.Key OTHER = new StackMetrics.Key("team-a", "shop");
    private static final Instant T0 = Instant.parse("2026-12-06T17:00:00Z");

    private final Episodes episodes = new Episodes();

    @Test
    void anEpisodeRunsFromTheFirstStartToTheFirstEnd() {
        assertEquals(Optional.empty(), episodes.update(DEMO, false, true, T0), "healthy, nothing under way");
        assertEquals(Optional.empty(), episodes.update(DEMO, true, false, T0.plusSeconds(2)), "crash detected");
        assertEquals(Optional.empty(), episodes.update(DEMO, true, false, T0.plusSeconds(9)), "still: the start stays");
        assertEquals(Optional.empty(), episodes.update(DEMO, false, false, T0.plusSeconds(12)), "bootstrapping");
        assertEquals(Optional.of(Duration.ofSeconds(20)), episodes.update(DEMO, false, true, T0.plusSeconds(22)));
        assertFalse(episodes.underWay(DEMO));
        assertEquals(Optional.empty(), episodes.update(DEMO, false, true, T0.plusSeconds(30)), "measured once");
    }

    @Test
    void stacksAreMeasuredApartAndDeletedOnesForgotten() {
        episodes.update(DEMO, true, false, T0);
        episodes.update(OTHER, true, false, T0.plusSeconds(5));
        assertEquals(Optional.of(Duration.ofSeconds(10)), episodes.update(OTHER, false, true, T0.plusSeconds(15)));
        assertTrue(episodes.underWay(DEMO));
        episodes.retain(Set.of(OTHER));
        assertFalse(episodes.underWay(DEMO));
        assertEquals(Optional.empty(), episodes.update(DEMO, false, true, T0.plusSeconds(20)), "a deleted stack's episode");
    }

    @Test
    void aStartAndAnEndSeenTogetherIsNoEpisode() {
        assertEquals(Optional.empty(), episodes.update(DEMO, true, true, T0));
        assertFalse(episodes.underWay(DEMO));
    }
}
