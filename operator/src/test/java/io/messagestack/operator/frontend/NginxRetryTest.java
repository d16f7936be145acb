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
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rendered nginx.conf run by a real nginx in front of a fake API that drops the first request it receives (reads
 * it, closes the connection without an answer: an API pod that died while handling it) and answers 201 to the next.
 * Odd-numbered requests are dropped, even-numbered ones answered; the edge request ids nginx sent are recorded.
 */
class NginxRetryTest {
    private Process nginx;
    private ServerSocket api;
    private final List<String> edgeIds = new CopyOnWriteArrayList<>();

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
    void aPostIsResentWithItsKeyAfterTheApiDroppedItAnUnkeyedPatchIsNot(@TempDir Path dir) throws Exception {
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

        // A create without a client key: sent again, both tries with the same edge request id (message-api stores
        // the create under it, so the second try finds the first one's row if it was stored).
        received.set(0);
        edgeIds.clear();
        HttpResponse<String> unkeyed = http.send(post(uri).header(NginxConfigRenderer.EDGE_REQUEST_ID_HEADER, "forged")
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, unkeyed.statusCode(), "a create without a key is resent with nginx's request id as its key");
        assertEquals(2, received.get());
        assertEquals(2, edgeIds.size());
        assertEquals(edgeIds.get(0), edgeIds.get(1), "both tries carry the same request id");
        assertTrue(edgeIds.get(0).matches("[0-9a-f]{32}"), "nginx's own id, never the client's: " + edgeIds.get(0));

        // A PATCH without a key that reached the API is never sent twice.
        received.set(0);
        HttpResponse<String> patch = http.send(HttpRequest.newBuilder(URI.create(uri + "1")).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/merge-patch+json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"body\":\"b2\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(502, patch.statusCode(), "a PATCH without a key that reached the API is never sent twice");
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
                String edgeId = HttpHead.header(HttpHead.readRequest(s.getInputStream()),
                        NginxConfigRenderer.EDGE_REQUEST_ID_HEADER);
                if (edgeId != null) {
                    edgeIds.add(edgeId);
                }
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
