package io.messagestack.chaos.load;

import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FailureCauseTest {
    record Case(Throwable thrown, String cause) {
    }

    @Test
    void everyFailureToGetAnAnswerHasANamedCause() {
        List<Case> cases = List.of(
                new Case(new TimeoutException(), "timeout"),
                new Case(new HttpTimeoutException("request timed out"), "timeout"),
                new Case(new HttpConnectTimeoutException("HTTP connect timed out"), "connect timeout"),
                new Case(new ExecutionException(new ConnectException()), "refused"),
                new Case(new ExecutionException(new ConnectException("Connection refused")), "refused"),
                new Case(new ConnectException("Network is unreachable"), "connect failed: Network is unreachable"),
                new Case(new ExecutionException(new IOException("Connection reset by peer")), "reset: Connection reset by peer"),
                new Case(new IOException("HTTP/1.1 header parser received no bytes"),
                        "closed: IOException HTTP/1.1 header parser received no bytes"),
                new Case(new EOFException(), "closed: EOFException"),
                new Case(new IOException("something else"), "io: IOException something else"),
                new Case(new IllegalStateException("bug"), "client error: IllegalStateException bug"));
        for (Case c : cases) {
            assertEquals(c.cause(), FailureCause.of(c.thrown()), String.valueOf(c.thrown()));
        }
    }
}
