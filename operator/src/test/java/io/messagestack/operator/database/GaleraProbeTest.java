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
    void anUnknownPositionParsesAsNullNeverAsANumber() throws Exception {
        var recovering = GaleraProbe.parse("{\"uuid\":\"u\",\"seqno\":-1,\"running\":false,\"hasData\":true,"
                + "\"recovered\":{\"uuid\":\"u\",\"seqno\":null,\"state\":\"recovering\",\"error\":\"lock\","
                + "\"attempts\":3}}");
        assertNull(recovering.recoveredSeqno());
        assertEquals("recovering", recovering.recoveryState());
        assertEquals("lock", recovering.recoveryError());
        assertEquals(3, recovering.recoveryAttempts());
        var older = GaleraProbe.parse("{\"uuid\":\"u\",\"recovered\":{\"uuid\":\"u\",\"seqno\":7}}");
        assertEquals("waiting", older.recoveryState(), "an older script's file without a state means waiting");
        assertEquals(7L, older.recoveredSeqno());
        assertTrue(older.hasData(), "an older agent without hasData: assume data");
        var mixed = GaleraProbe.parse("{\"uuid\":\"u\",\"recovered\":{\"uuid\":\"u\",\"seqno\":0}}");
        assertNull(mixed.recoveredSeqno(), "an older agent turns the script's null into 0: not a position");
        assertEquals(0L, GaleraProbe.parse("{\"hasData\":true,\"recovered\":{\"uuid\":\"u\",\"seqno\":0,"
                + "\"state\":\"waiting\"}}").recoveredSeqno(), "a current agent's 0 is a position");
        var empty = GaleraProbe.parse("{\"uuid\":\"\",\"hasData\":false,\"recovered\":null,"
                + "\"errors\":[\"a\",\"b\"]}");
        assertFalse(empty.hasData());
        assertNull(empty.recoveryState());
        assertEquals("a; b", empty.errors());
    }

    @Test
    void theBootstrapRequestCarriesTheOperatorsToken() {
        var request = GaleraProbe.bootstrapRequest("10.0.0.7", "t0ken");
        assertEquals("POST", request.method());
        assertEquals("http://10.0.0.7:9200/bootstrap", request.uri().toString());
        assertEquals("Bearer t0ken", request.headers().firstValue("Authorization").orElseThrow());
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
