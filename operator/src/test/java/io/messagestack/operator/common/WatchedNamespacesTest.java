package io.messagestack.operator.common;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class WatchedNamespacesTest {
    @Test
    void watchesTheNamespacesTheControllerWatches() {
        assertEquals(List.of(), WatchedNamespaces.of(null, "ops"), "unset: all namespaces");
        assertEquals(List.of(), WatchedNamespaces.of("JOSDK_ALL_NAMESPACES", "ops"));
        assertEquals(List.of("team-a", "team-b"), WatchedNamespaces.of("team-a, team-b,team-a", "ops"));
        assertEquals(List.of("ops"), WatchedNamespaces.of("JOSDK_WATCH_CURRENT", "ops"));
    }
}
