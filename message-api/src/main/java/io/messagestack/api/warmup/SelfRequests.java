package io.messagestack.api.warmup;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One pass over the real request paths through this instance's own HTTP port: paged list,
 * reads/updates/deletes of a missing pk (404 problem), invalid and malformed creates (400
 * problem). None of them writes a row. That loads Vert.x, RESTEasy Reactive, the filters,
 * Jackson, validation, the problem mappers, GaleraRetry and the Panache queries, which is what
 * made a new pod's first real requests take seconds.
 */
final class SelfRequests {

    /** 18 digits, the longest pk MessageResource accepts: no message will have it. */
    static final String MISSING_PK = "999999999999999999";
    static final String HEADER = "X-Warm-Up";

    private record Call(String method, String path, String contentType, String body, int expected) {
    }

    private static final List<Call> CALLS = List.of(
            new Call("GET", "/api/messages/?limit=20&offset=0", null, null, 200),
            new Call("GET", "/api/messages?limit=1&offset=1", null, null, 200),
            new Call("GET", "/api/messages/" + MISSING_PK + "/", null, null, 404),
            new Call("GET", "/api/messages/not-a-pk", null, null, 404),
            new Call("POST", "/api/messages/", "application/json", "{\"subject\":\"\",\"body\":\"\"}", 400),
            new Call("POST", "/api/messages/", "application/json", "{\"subject\":", 400),
            new Call("PUT", "/api/messages/" + MISSING_PK + "/", "application/json",
                    "{\"subject\":\"warm-up\",\"body\":\"never stored\"}", 404),
            new Call("PATCH", "/api/messages/" + MISSING_PK + "/", "application/merge-patch+json",
                    "{\"subject\":\"warm-up\"}", 404),
            new Call("DELETE", "/api/messages/" + MISSING_PK + "/", null, null, 404));

    private final HttpClient client;
    private final URI base;

    SelfRequests(URI base) {
        this.base = base;
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
    }

    URI base() {
        return base;
    }

    /** Runs every call once; returns what did not answer as expected (empty: all fine). */
    List<String> runOnce(Duration timeout) {
        List<String> problems = new ArrayList<>();
        for (Call call : CALLS) {
            HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(call.path()))
                    .timeout(timeout)
                    .header(HEADER, "1")
                    .method(call.method(), call.body() == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(call.body()));
            if (call.contentType() != null) {
                request.header("Content-Type", call.contentType());
            }
            try {
                HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != call.expected()) {
                    problems.add(call.method() + " " + call.path() + " -> " + response.statusCode());
                }
            } catch (IOException e) {
                problems.add(call.method() + " " + call.path() + " -> " + e.getClass().getSimpleName());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                problems.add("interrupted");
                return problems;
            }
        }
        return problems;
    }
}
