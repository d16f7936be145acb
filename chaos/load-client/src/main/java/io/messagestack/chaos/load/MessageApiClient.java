package io.messagestack.chaos.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** One HTTP attempt against the django-vue-template compatible messages API. */
public final class MessageApiClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What one attempt returned; {@code status} 0 and {@code error} set when no response arrived. */
    public record Attempt(long startMs, double latencyMs, int status, String servedBy, JsonNode body, String error) {
    }

    private final HttpClient http;
    private final URI messages;
    private final Duration timeout;

    public MessageApiClient(URI baseUrl, Duration timeout) {
        // A new connection per failed request would be kinder to a recovering stack, but the JDK
        // client already reuses connections and drops broken ones; HTTP/1.1 keeps nginx in the path.
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .build();
        String base = baseUrl.toString().replaceAll("/+$", "");
        this.messages = URI.create(base + "/api/messages/");
        this.timeout = timeout;
    }

    /** @param idempotencyKey null: no {@code Idempotency-Key} header (the plain client) */
    public Attempt create(String subject, String body, String idempotencyKey) {
        ObjectNode payload = JSON.createObjectNode().put("subject", subject).put("body", body);
        HttpRequest.Builder request = HttpRequest.newBuilder(messages)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(payload.toString()));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return send(request.build());
    }

    /** A cheap GET of the list (one item), used to warm up before the measured load. */
    public Attempt probe() {
        return send(HttpRequest.newBuilder(URI.create(messages + "?limit=1")).timeout(timeout)
                .header("Accept", "application/json").GET().build());
    }

    public Attempt read(long pk) {
        HttpRequest request = HttpRequest.newBuilder(messages.resolve(pk + "/"))
                .timeout(timeout)
                .header("Accept", "application/json")
                .GET()
                .build();
        return send(request);
    }

    /**
     * One attempt. The whole exchange (connect, request, the complete answer) must finish within the
     * timeout: the JDK's request timeout alone stops at the response headers, so the future is bounded too.
     * Whatever goes wrong becomes an attempt with status 0 and its cause; nothing is thrown or dropped.
     */
    private Attempt send(HttpRequest request) {
        long startMs = System.currentTimeMillis();
        long t0 = System.nanoTime();
        CompletableFuture<HttpResponse<String>> future = null;
        try {
            future = http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> response = future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            double latencyMs = (System.nanoTime() - t0) / 1e6;
            String servedBy = response.headers().firstValue("X-Served-By").orElse(null);
            JsonNode body = parse(response.body());
            String error = response.statusCode() >= 200 && response.statusCode() < 300
                    ? null : "HTTP " + response.statusCode();
            return new Attempt(startMs, latencyMs, response.statusCode(), servedBy, body, error);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(true);
            return new Attempt(startMs, (System.nanoTime() - t0) / 1e6, 0, null, null, "interrupted");
        } catch (TimeoutException | ExecutionException | RuntimeException e) {
            if (future != null) {
                future.cancel(true); // a timed-out exchange must not go on in the background
            }
            return new Attempt(startMs, (System.nanoTime() - t0) / 1e6, 0, null, null, FailureCause.of(e));
        }
    }

    private static JsonNode parse(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            return null;
        }
    }
}
