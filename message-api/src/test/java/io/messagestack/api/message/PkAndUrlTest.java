package io.messagestack.api.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;

import org.junit.jupiter.api.Test;

class PkAndUrlTest {

    @Test
    void pkIsAPositiveDecimalNumber() {
        assertEquals(42L, MessageResource.parsePk("42"));
        for (String bad : new String[] { "abc", "", "0", "-1", "1e3", "4 2", "9999999999999999999", "١٢" }) {
            assertThrows(MessageNotFoundException.class, () -> MessageResource.parsePk(bad), bad);
        }
    }

    @Test
    void urlIsAbsoluteWithTrailingSlash() {
        assertEquals("http://h:8080/api/messages/7/", new MessageUrls(URI.create("http://h:8080/")).of(7));
        assertEquals("https://x/api/messages/7/", new MessageUrls(URI.create("https://x")).of(7));
    }
}
