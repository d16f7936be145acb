package io.messagestack.operator.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Asks the binary log archiver for its status ({@code GET /status}, galera-agent/binlog_status.go). */
public class ArchiverProbe {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    /** The archiver's report; empty when it does not answer or answers something else. */
    public Optional<PitrHealth.Report> query(String ip) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + hostForUri(ip) + ":"
                    + BinlogArchiver.STATUS_PORT + BinlogArchiver.STATUS_PATH)).timeout(Duration.ofSeconds(2)).GET().build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? parse(response.body()) : Optional.empty();
        } catch (java.io.IOException | IllegalArgumentException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** The body of GET /status, or empty when it is not one. */
    public static Optional<PitrHealth.Report> parse(String body) {
        try {
            JsonNode n = JSON.readTree(body);
            if (n == null || !n.isObject() || !n.has("lastSeqno")) {
                return Optional.empty();
            }
            List<PitrHealth.Problem> problems = new ArrayList<>();
            for (JsonNode p : n.path("problems")) {
                problems.add(new PitrHealth.Problem(p.path("kind").asText("gap"), p.path("from").asLong(),
                        p.path("to").asLong(), p.path("afterTime").asLong(), p.path("detectedAt").asLong()));
            }
            String uuid = n.path("galeraUUID").asText("");
            return Optional.of(new PitrHealth.Report(n.path("running").asBoolean(), uuid.isEmpty() ? null : uuid,
                    n.path("domain").asLong(), n.path("lastSeqno").asLong(), n.path("lastTime").asLong(),
                    problems, n.path("error").asText("")));
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
    }

    private static String hostForUri(String ip) {
        return ip.contains(":") ? "[" + ip + "]" : ip;
    }
}
