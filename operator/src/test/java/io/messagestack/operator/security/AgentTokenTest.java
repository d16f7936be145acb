package io.messagestack.operator.security;

import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentTokenTest {
    @Test
    void aGeneratedTokenIsLongRandomAndRoundTripsThroughItsSecret() {
        String token = AgentToken.generate();
        assertEquals(40, token.length());
        assertTrue(token.matches("[A-Za-z0-9]+"));
        assertNotEquals(token, AgentToken.generate());
        var secret = AgentToken.secret("shop", "ns", token);
        assertEquals("shop-db-agent-token", secret.getMetadata().getName());
        assertEquals(token, AgentToken.tokenOf(secret.getData()));
    }

    @Test
    void aMissingEmptyOrBrokenTokenCountsAsNone() {
        assertNull(AgentToken.tokenOf(null));
        assertNull(AgentToken.tokenOf(Map.of()));
        assertNull(AgentToken.tokenOf(Map.of("token", "")));
        assertNull(AgentToken.tokenOf(Map.of("token", Base64.getEncoder().encodeToString(" \n".getBytes()))));
        assertNull(AgentToken.tokenOf(Map.of("token", "%%%not-base64")));
    }
}
