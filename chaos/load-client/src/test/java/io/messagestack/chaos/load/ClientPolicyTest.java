package io.messagestack.chaos.load;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClientPolicyTest {
    @Test
    void thePlainClientNeverRetriesAndSendsNoKey() {
        ClientPolicy plain = ClientPolicy.plain(ClientPolicy.PLAIN_TIMEOUT);
        assertEquals(Duration.ofSeconds(5), plain.timeout());
        assertFalse(plain.idempotencyKey());
        for (int status : new int[] {0, 409, 429, 500, 502, 503}) {
            assertFalse(plain.retries().shouldRetry(1, status), "plain retried status " + status);
        }
    }

    @Test
    void theCarefulClientRetriesWithItsKey() {
        ClientPolicy careful = ClientPolicy.careful(Duration.ofSeconds(2), 3);
        assertTrue(careful.idempotencyKey());
        assertTrue(careful.retries().shouldRetry(1, 502));
        assertFalse(careful.retries().shouldRetry(4, 502));
    }

    @Test
    void clientListsAreParsedAndBadOnesNamed() {
        assertEquals(List.of("careful"), ClientPolicy.parseNames("careful"));
        assertEquals(List.of("careful", "plain"), ClientPolicy.parseNames("careful, plain"));
        assertEquals(List.of("plain"), ClientPolicy.parseNames("plain"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClientPolicy.parseNames("curl"));
        assertTrue(e.getMessage().contains("--client"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ClientPolicy.parseNames("plain,plain"));
        assertThrows(IllegalArgumentException.class, () -> ClientPolicy.careful(Duration.ofSeconds(1), -1));
        assertThrows(IllegalArgumentException.class, () -> ClientPolicy.plain(Duration.ZERO));
    }
}
