package io.messagestack.api.warmup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SelfRequestsTest {

    @ParameterizedTest
    @CsvSource({
            "'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', 200",
            "'HTTP/1.1 404 Not Found\r\n', 404",
            "'HTTP/1.0 400\r\n', 400",
    })
    void readsTheStatusCode(String answer, int expected) throws IOException {
        assertEquals(expected, SelfRequests.statusCode(stream(answer)));
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "garbage\r\n", "HTTP/1.1 abc OK\r\n", "SSH-2.0-OpenSSH\r\n" })
    void refusesWhatIsNotAStatusLine(String answer) {
        assertThrows(IOException.class, () -> SelfRequests.statusCode(stream(answer)));
    }

    private static ByteArrayInputStream stream(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.ISO_8859_1));
    }
}
