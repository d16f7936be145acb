package io.messagestack.api.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.messagestack.api.http.InvalidRequestException;

class IdempotencyKeysTest {

    @Test
    void clientKeysAndServerTokensCannotCollide() {
        assertEquals("k:abc", IdempotencyKeys.storedKey("abc"));
        assertTrue(IdempotencyKeys.storedKey(null).startsWith("s:"));
        assertNotEquals(IdempotencyKeys.storedKey(null), IdempotencyKeys.storedKey(null));
    }

    @Test
    void withoutAClientKeyTheEdgeRequestIdIsTheKey() {
        assertEquals("e:0f3c9a", IdempotencyKeys.storedKey(null, "0f3c9a"));
        assertEquals("k:abc", IdempotencyKeys.storedKey("abc", "0f3c9a"));
        assertTrue(IdempotencyKeys.mayExist(IdempotencyKeys.storedKey(null, "0f3c9a")));
        assertTrue(IdempotencyKeys.mayExist(IdempotencyKeys.storedKey("abc", null)));
        // A malformed edge id is nobody's mistake the client can fix: a fresh token, no error.
        for (String bad : new String[] {"", "e".repeat(201), "clé", null}) {
            String key = IdempotencyKeys.storedKey(null, bad);
            assertTrue(key.startsWith("s:"), key);
            assertFalse(IdempotencyKeys.mayExist(key));
        }
    }

    @Test
    void refusesEmptyLongOrNonAsciiKeys() {
        assertThrows(InvalidRequestException.class, () -> IdempotencyKeys.storedKey(""));
        assertThrows(InvalidRequestException.class, () -> IdempotencyKeys.storedKey("k".repeat(201)));
        assertThrows(InvalidRequestException.class, () -> IdempotencyKeys.storedKey("clé"));
        assertEquals("k:" + "k".repeat(200), IdempotencyKeys.storedKey("k".repeat(200)));
    }

    @Test
    void hashSeparatesSubjectFromBody() {
        assertNotEquals(IdempotencyKeys.requestHash(new MessageInput("ab", "c")),
                IdempotencyKeys.requestHash(new MessageInput("a", "bc")));
        assertEquals(64, IdempotencyKeys.requestHash(new MessageInput("a", "b")).length());
    }
}
