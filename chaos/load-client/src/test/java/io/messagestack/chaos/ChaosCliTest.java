package io.messagestack.chaos;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChaosCliTest {
    @Test
    void durations() {
        assertEquals(Duration.ofMillis(500), ChaosCli.duration("500ms", "x"));
        assertEquals(Duration.ofMillis(2500), ChaosCli.duration("2.5s", "x"));
        assertEquals(Duration.ofMinutes(5), ChaosCli.duration("5m", "x"));
        assertEquals(Duration.ofSeconds(7), ChaosCli.duration("7", "x"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChaosCli.duration("soon", "timeout"));
        assertTrue(e.getMessage().contains("--timeout"));
    }

    @Test
    void argumentsNeedValuesAndRequiredOnesAreNamed() {
        assertEquals(Map.of("out", "f", "allow-non-kind", "true"),
                ChaosCli.parse(new String[] {"report", "--out", "f", "--allow-non-kind"}));
        assertThrows(IllegalArgumentException.class, () -> ChaosCli.parse(new String[] {"load", "--out"}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ChaosCli.required(Map.of(), "base-url"));
        assertTrue(e.getMessage().contains("--base-url"));
    }
}
