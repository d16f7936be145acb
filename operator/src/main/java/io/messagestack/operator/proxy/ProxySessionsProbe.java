package io.messagestack.operator.proxy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Reads one HAProxy pod's sessions per database server from its metrics port (ProxySessions parses). No answer, a
 * non-200 answer or text without the backend is empty: never "no sessions".
 */
public class ProxySessionsProbe {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    public Optional<Map<Integer, Long>> sessions(String podIp) {
        String host = podIp.contains(":") ? "[" + podIp + "]" : podIp;
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + host + ":"
                        + HaproxyConfigRenderer.METRICS_PORT + HaproxyConfigRenderer.METRICS_PATH))
                .timeout(Duration.ofSeconds(2)).GET().build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? ProxySessions.parse(response.body()) : Optional.empty();
        } catch (java.io.IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
