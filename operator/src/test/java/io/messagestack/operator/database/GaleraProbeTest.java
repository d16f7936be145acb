package io.messagestack.operator.database;

import io.messagestack.operator.crd.GaleraStatus;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GaleraProbeTest {
    @Test
    void parsesTheAgentState() throws Exception {
        var s = GaleraProbe.parse("{\"uuid\":\"u\",\"seqno\":12,\"safeToBootstrap\":false,\"running\":true,"
                + "\"clusterStatus\":\"Primary\",\"localState\":4,\"clusterSize\":3}");
        assertEquals("Primary", s.clusterStatus());
        assertEquals(3, s.clusterSize());
        assertTrue(s.synced());
        assertFalse(GaleraProbe.parse("{\"running\":false}").synced());
    }

    @Test
    void summaryPrefersThePrimaryComponent() {
        GaleraStatus status = GaleraProbe.summarize(List.of(
                new GaleraProbe.NodeState("non-Primary", 1, false),
                new GaleraProbe.NodeState("Primary", 2, true),
                new GaleraProbe.NodeState("Primary", 2, true)));
        assertEquals("Primary", status.clusterStatus);
        assertEquals(2, status.clusterSize);
        assertEquals(2, status.syncedNodes);
        assertEquals("non-Primary", GaleraProbe.summarize(List.of(new GaleraProbe.NodeState("non-Primary", 1,
                false))).clusterStatus);
        assertNull(GaleraProbe.summarize(List.of()), "no answer means no claim");
    }
}
