package io.messagestack.api.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Plain HTTP calls for the process-level tests (java.net.http, thread-safe). */
public final class Http {

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    private Http() {
    }

    public static HttpResponse<String> get(URI uri) throws IOException {
        return send(HttpRequest.newBuilder(uri).GET());
    }

    public static HttpResponse<String> post(URI uri, String json, String idempotencyKey) throws IOException {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (idempotencyKey != null) {
            builder.header("Idempotency-Key", idempotencyKey);
        }
        return send(builder);
    }

    public static HttpResponse<String> put(URI uri, String json) throws IOException {
        return send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)));
    }

    public static HttpResponse<String> delete(URI uri) throws IOException {
        return send(HttpRequest.newBuilder(uri).DELETE());
    }

    private static HttpResponse<String> send(HttpRequest.Builder builder) throws IOException {
        try {
            return CLIENT.send(builder.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    public static String messageJson(String subject, String body) {
        return "{\"subject\":\"" + subject + "\",\"body\":\"" + body + "\"}";
    }

    /** The pk from a message JSON answer, without a JSON library. */
    public static long pkOf(String json) {
        var m = java.util.regex.Pattern.compile("\"pk\":(\\d+)").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no pk in " + json);
        }
        return Long.parseLong(m.group(1));
    }
}
