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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The rendered nginx.conf run by a real nginx: the forwarding headers message-api builds item urls from are set by
 * nginx from the connection; whatever a client sends in them never reaches the API.
 */
class NginxForwardedHeadersTest {
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
    void clientSentForwardingHeadersAreReplacedOrDropped(@TempDir Path dir) throws Exception {
        Path binary = RealBinary.require("nginx");
        api = new ServerSocket(0);
        BlockingQueue<Map<String, String>> heads = new ArrayBlockingQueue<>(4);
        Thread server = new Thread(() -> serve(heads));
        server.setDaemon(true);
        server.start();
        RealNginx.Started started = RealNginx.inFrontOf(binary, dir, api.getLocalPort());
        nginx = started.process();
        int port = started.port();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

        HttpRequest spoofed = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/messages/"))
                .timeout(Duration.ofSeconds(10))
                .header("X-Forwarded-Host", "evil.example")
                .header("X-Forwarded-Prefix", "/phish")
                .header("X-Forwarded-Proto", "https")
                .header("X-Forwarded-Port", "8443")
                .header("X-Forwarded-Server", "evil.example")
                .header("X-Forwarded-Ssl", "on")
                .header("X-Forwarded-For", "203.0.113.9")
                .header("Forwarded", "host=evil.example;proto=https")
                .GET().build();
        HttpResponse<String> answer = http.send(spoofed, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, answer.statusCode());

        Map<String, String> seen = heads.poll(10, TimeUnit.SECONDS);
        assertNotNull(seen, "the request reached the API");
        String host = "127.0.0.1:" + port;
        assertEquals(host, seen.get("host"), "Host as the client used it, port included");
        assertEquals(host, seen.get("x-forwarded-host"), "X-Forwarded-Host is nginx's, not the client's");
        assertEquals("http", seen.get("x-forwarded-proto"), "the scheme nginx was reached with");
        assertEquals("127.0.0.1", seen.get("x-forwarded-for"), "only the address nginx saw");
        for (String dropped : List.of("x-forwarded-prefix", "x-forwarded-port", "x-forwarded-server",
                "x-forwarded-ssl", "forwarded")) {
            assertFalse(seen.containsKey(dropped), dropped + " from the client must not reach the API: " + seen);
        }
    }

    /** Records each request's headers (names lower-cased) and answers 200 with an empty list. */
    private void serve(BlockingQueue<Map<String, String>> heads) {
        while (!api.isClosed()) {
            try (Socket s = api.accept()) {
                Map<String, String> headers = new LinkedHashMap<>();
                String[] lines = HttpHead.read(s.getInputStream()).split("\r\n");
                for (int i = 1; i < lines.length; i++) {
                    int colon = lines[i].indexOf(':');
                    if (colon > 0) {
                        headers.put(lines[i].substring(0, colon).trim().toLowerCase(), lines[i].substring(colon + 1).trim());
                    }
                }
                heads.offer(headers);
                OutputStream out = s.getOutputStream();
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
                        + "Connection: close\r\n\r\n[]").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException closed) {
                return;
            }
        }
    }
}
