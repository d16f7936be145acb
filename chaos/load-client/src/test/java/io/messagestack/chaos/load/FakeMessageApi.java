package io.messagestack.chaos.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny in-memory messages API on loopback for testing the client: same paths, status codes and
 * headers as message-api, with switches to misbehave the way a stack under a fault does.
 */
final class FakeMessageApi implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final List<Map<String, Object>> rows = new ArrayList<>();
    private final Map<String, Long> pkByKey = new HashMap<>();
    private final AtomicInteger posts = new AtomicInteger();

    /** Answer 503 without storing anything. */
    volatile boolean unavailable;
    /** Every n-th POST is stored, then answered 502 as if the proxy lost the response (0: never). */
    volatile int commitThenFailEvery;
    /** Store every POST again even when its Idempotency-Key was seen (a broken API). */
    volatile boolean ignoreIdempotencyKey;
    /** Send the headers at once and the body this much later (0: no delay). */
    volatile long slowBodyMs;
    private final AtomicInteger postsWithoutKey = new AtomicInteger();

    FakeMessageApi() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/messages/", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.start();
    }

    URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    synchronized Map<String, Integer> rowsBySubject() {
        Map<String, Integer> counts = new HashMap<>();
        rows.forEach(r -> counts.merge((String) r.get("subject"), 1, Integer::sum));
        return counts;
    }

    int postsWithoutKey() {
        return postsWithoutKey.get();
    }

    synchronized void dropRow(String subject) {
        rows.removeIf(r -> subject.equals(r.get("subject")));
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            ex.getResponseHeaders().add("X-Served-By", "fake-api");
            if (unavailable) {
                send(ex, 503, "{\"error\":\"unavailable\"}");
                return;
            }
            String path = ex.getRequestURI().getPath();
            if ("POST".equals(ex.getRequestMethod()) && path.equals("/api/messages/")) {
                JsonNode in = JSON.readTree(ex.getRequestBody());
                String key = ex.getRequestHeaders().getFirst("Idempotency-Key");
                if (key == null) {
                    postsWithoutKey.incrementAndGet();
                }
                Map<String, Object> row = store(key, in.get("subject").asText(), in.get("body").asText());
                int n = posts.incrementAndGet();
                if (commitThenFailEvery > 0 && n % commitThenFailEvery == 0) {
                    send(ex, 502, "<html>bad gateway</html>");
                    return;
                }
                send(ex, 201, JSON.writeValueAsString(row));
            } else if ("GET".equals(ex.getRequestMethod()) && path.equals("/api/messages/")) {
                send(ex, 200, "[]");
            } else if ("GET".equals(ex.getRequestMethod()) && path.matches("/api/messages/\\d+/")) {
                long pk = Long.parseLong(path.split("/")[3]);
                Map<String, Object> row = find(pk);
                send(ex, row == null ? 404 : 200, row == null ? "{\"detail\":\"Not found.\"}" : JSON.writeValueAsString(row));
            } else {
                send(ex, 404, "{}");
            }
        }
    }

    private synchronized Map<String, Object> store(String key, String subject, String body) {
        Long existing = key == null || ignoreIdempotencyKey ? null : pkByKey.get(key);
        if (existing != null) {
            return find(existing);
        }
        long pk = rows.size() + 1L;
        Map<String, Object> row = Map.of("pk", pk, "url", "/api/messages/" + pk + "/", "subject", subject, "body", body);
        rows.add(row);
        if (key != null) {
            pkByKey.put(key, pk);
        }
        return row;
    }

    private synchronized Map<String, Object> find(long pk) {
        return rows.stream().filter(r -> r.get("pk").equals(pk)).findFirst().orElse(null);
    }

    private void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        if (slowBodyMs > 0) {
            ex.getResponseBody().flush();
            try {
                Thread.sleep(slowBodyMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        ex.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
