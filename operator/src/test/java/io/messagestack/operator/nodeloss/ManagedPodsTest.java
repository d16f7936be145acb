package io.messagestack.operator.nodeloss;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ManagedPodsTest {
    @Test
    void watchesTheNamespacesTheControllerWatches() {
        assertEquals(List.of(), ManagedPods.namespaces(null, "ops"), "unset: all namespaces");
        assertEquals(List.of(), ManagedPods.namespaces("JOSDK_ALL_NAMESPACES", "ops"));
        assertEquals(List.of("team-a", "team-b"), ManagedPods.namespaces("team-a, team-b,team-a", "ops"));
        assertEquals(List.of("ops"), ManagedPods.namespaces("JOSDK_WATCH_CURRENT", "ops"));
    }
}
