package io.messagestack.api.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
