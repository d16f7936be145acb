package io.messagestack.operator.frontend;

import io.messagestack.operator.common.RealBinary;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The rendered nginx.conf run by a real nginx in front of a fake API that drops the first request it receives (reads
 * it, closes the connection without an answer: an API pod that died while handling it) and answers 201 to the next.
 * Odd-numbered requests are dropped, even-numbered ones answered.
 */
class NginxRetryTest {
    private Process nginx;
    private ServerSocket api;

    @AfterEach
    void stop() throws IOException {
        if (nginx != null) {
            nginx.destroyForcibly();
        }
        if (api != null) {
            api.close();
        }
    }

    @Test
    void aKeyedPostIsResentAfterTheApiDroppedItAnUnkeyedOneIsNot(@TempDir Path dir) throws Exception {
        Path binary = RealBinary.require("nginx");
        api = new ServerSocket(0);
        AtomicInteger received = new AtomicInteger();
        Thread server = new Thread(() -> serve(received));
        server.setDaemon(true);
        server.start();
        RealNginx.Started started = RealNginx.inFrontOf(binary, dir, api.getLocalPort());
        nginx = started.process();
        int port = started.port();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI uri = URI.create("http://127.0.0.1:" + port + "/api/messages/");

        received.set(0);
        HttpResponse<String> keyed = http.send(post(uri).header("Idempotency-Key", "k-1").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, keyed.statusCode(), "a keyed POST the API dropped is sent again");
        assertEquals(2, received.get(), "the first delivery was dropped, the second answered");

        received.set(0);
        HttpResponse<String> plain = http.send(post(uri).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(502, plain.statusCode(), "a POST without a key that reached the API is never sent twice");
        assertEquals(1, received.get());

        // Both tries above failed on an upstream entry; each entry stands for all API pods, so the next request must
        // still be sent (with max_fails=1 nginx answered 502 itself for fail_timeout: "no live upstreams").
        HttpResponse<String> next = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, next.statusCode(), "a failed try does not take the API out of rotation");
        assertEquals(2, received.get());
    }

    private static HttpRequest.Builder post(URI uri) {
        return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"subject\":\"s\",\"body\":\"b\"}"));
    }

    /** Odd-numbered requests (1st, 3rd, ...) are read and dropped; even-numbered ones get 201. */
    private void serve(AtomicInteger received) {
        while (!api.isClosed()) {
            try (Socket s = api.accept()) {
                HttpHead.readRequest(s.getInputStream());
                if (received.incrementAndGet() % 2 == 1) {
                    continue; // close without an answer
                }
                OutputStream out = s.getOutputStream();
                out.write(("HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 8\r\n"
                        + "Connection: close\r\n\r\n{\"id\":1}").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException closed) {
                return;
            }
        }
    }
}
