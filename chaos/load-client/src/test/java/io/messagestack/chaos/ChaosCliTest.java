package io.messagestack.chaos;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
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

    @Test
    void clientFlagsMakeTheGroups() {
        var groups = ChaosCli.groups(Map.of("client", "careful,plain", "writers", "4", "plain-writers", "2",
                "timeout", "2s", "retries", "3"));
        assertEquals(2, groups.size());
        assertEquals("careful", groups.get(0).policy().name());
        assertEquals(4, groups.get(0).writers());
        assertEquals(3, groups.get(0).policy().retries().maxRetries());
        assertEquals("plain", groups.get(1).policy().name());
        assertEquals(2, groups.get(1).writers());
        assertEquals(Duration.ofSeconds(5), groups.get(1).policy().timeout());
        assertEquals(0, groups.get(1).policy().retries().maxRetries());
        assertEquals(List.of("careful"), ChaosCli.groups(Map.of()).stream().map(g -> g.policy().name()).toList());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ChaosCli.groups(Map.of("client", "plain", "plain-writers", "two")));
        assertTrue(e.getMessage().contains("--plain-writers"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ChaosCli.groups(Map.of("client", "wget")));
        assertTrue(e.getMessage().contains("--client"), e.getMessage());
    }
}
