package io.messagestack.operator.proxy;

import io.messagestack.operator.common.LocalHttp;
import io.messagestack.operator.common.RealBinary;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rendered haproxy.cfg run by Debian's haproxy: its built-in exporter answers /metrics on the metrics port. */
class HaproxyMetricsTest {
    private Process haproxy;

    @AfterEach
    void stop() {
        if (haproxy != null) {
            haproxy.destroyForcibly();
        }
    }

    @Test
    void theMetricsPortServesPrometheusMetricsOfEachDatabaseServer(@TempDir Path dir) throws Exception {
        Path binary = RealBinary.require("haproxy");
        int mysql = freePort(), health = freePort(), metrics = freePort();
        String cfg = HaproxyConfigRenderer.render(List.of("db-0.peers", "db-1.peers"), mysql, 9200)
                .replace("bind :" + HaproxyConfigRenderer.HEALTH_PORT + "\n", "bind 127.0.0.1:" + health + "\n")
                .replace("bind :" + HaproxyConfigRenderer.METRICS_PORT + "\n", "bind 127.0.0.1:" + metrics + "\n")
                .replace("bind :" + mysql + "\n", "bind 127.0.0.1:" + mysql + "\n");
        assertTrue(cfg.contains("bind 127.0.0.1:" + metrics), "the metrics frontend binds the metrics port");
        Path file = dir.resolve("haproxy.cfg");
        Files.writeString(file, cfg);
        RealBinary.Result check = RealBinary.run(binary.toString(), "-c", "-f", file.toString());
        assertEquals(0, check.exitCode(), check.output());
        assertFalse(check.output().contains("'metrics'"), "haproxy warns about the metrics frontend:\n" + check.output());
        haproxy = new ProcessBuilder(binary.toString(), "-db", "-f", file.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("haproxy.log").toFile()).start();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpResponse<String> answer = get(http, metrics, "/metrics");

        assertEquals(200, answer.statusCode(), Files.readString(dir.resolve("haproxy.log")));
        String body = answer.body();
        assertTrue(body.contains("# TYPE haproxy_server_status gauge"), body);
        for (String line : List.of("haproxy_backend_active_servers{proxy=\"galera\"}",
                "haproxy_server_check_failures_total{proxy=\"galera\",server=\"db-0\"}",
                "haproxy_server_status{proxy=\"galera\",server=\"db-1\",state=\"UP\"}",
                "haproxy_server_current_sessions{proxy=\"galera\",server=\"db-0\"}",
                "haproxy_backend_retry_warnings_total{proxy=\"galera\"}",
                "haproxy_frontend_current_sessions{proxy=\"mysql\"}")) {
            assertTrue(body.lines().anyMatch(l -> l.startsWith(line + " ")), "missing " + line);
        }
        // Only /metrics; the MySQL port serves no HTTP at all.
        assertEquals(404, get(http, metrics, "/").statusCode());
        assertEquals(404, get(http, metrics, "/stats").statusCode());
    }

    private static HttpResponse<String> get(HttpClient http, int port, String path) throws Exception {
        return LocalHttp.get(http, port, path, Duration.ofSeconds(5));
    }

    private static int freePort() throws IOException {
        return LocalHttp.freePort();
    }
}
