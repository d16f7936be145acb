package io.messagestack.operator.common;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** For the tests that run a real server on loopback: a free port, and a GET that waits for the server to listen. */
public final class LocalHttp {
    private LocalHttp() {
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * GET http://127.0.0.1:PORT/PATH, retried every 100 ms for up to 10 s while nothing listens yet (a server just
     * started); {@code timeout} bounds each answer.
     */
    public static HttpResponse<String> get(HttpClient http, int port, String path, Duration timeout) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(timeout).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try {
                return http.send(req, HttpResponse.BodyHandlers.ofString());
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    throw notYet;
                }
                Thread.sleep(100);
            }
        }
    }
}
