package io.messagestack.operator.frontend;

import io.messagestack.operator.common.RealBinary;
import io.messagestack.operator.common.Scrape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rendered nginx.conf run by a real nginx: stub_status answers on the internal port only, never the public one. */
class NginxStubStatusTest {
    private Process nginx;

    @AfterEach
    void stop() {
        if (nginx != null) {
            nginx.destroyForcibly();
        }
    }

    @Test
    void renderedStatusServerAdmitsPrivateSourcesOnly() {
        String conf = NginxConfigRenderer.render(80);
        assertTrue(conf.contains("listen " + NginxConfigRenderer.STATUS_PORT + ";"), conf);
        String status = conf.substring(conf.indexOf("location = " + NginxConfigRenderer.STATUS_PATH));
        status = status.substring(0, status.indexOf('}'));
        for (String source : Scrape.PRIVATE_SOURCES) {
            assertTrue(status.contains("allow " + source + ";"), source + " in " + status);
        }
        assertTrue(status.contains("deny all;"), status);
        assertEquals(1, conf.split("stub_status;", -1).length - 1, "stub_status in one place only");
    }

    @Test
    void stubStatusOnTheInternalPortNotOnThePublicOne(@TempDir Path dir) throws Exception {
        Path binary = RealBinary.require("nginx");
        int port = freePort(), statusPort = freePort();
        NginxStartScript start = new NginxStartScript(dir);
        start.render("127.0.0.1:1", List.of());
        Path file = start.writeConfig(port, statusPort);
        nginx = new ProcessBuilder(binary.toString(), "-c", file.toString(), "-e", dir.resolve("error.log").toString(),
                "-g", "daemon off;").redirectErrorStream(true).redirectOutput(dir.resolve("out.log").toFile()).start();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        get(http, port, "/healthz");
        for (int i = 0; i < 3; i++) {
            assertEquals(200, get(http, port, "/healthz").statusCode());
        }

        HttpResponse<String> status = get(http, statusPort, NginxConfigRenderer.STATUS_PATH);
        assertEquals(200, status.statusCode(), Files.readString(dir.resolve("error.log")));
        assertTrue(status.body().startsWith("Active connections: "), status.body());
        assertTrue(status.body().contains("server accepts handled requests"), status.body());
        String[] counters = status.body().lines().toList().get(2).trim().split("\\s+");
        assertTrue(Long.parseLong(counters[2]) >= 4, "the public requests are counted: " + status.body());

        HttpResponse<String> publicPort = get(http, port, NginxConfigRenderer.STATUS_PATH);
        assertFalse(publicPort.body().contains("Active connections"), "stub_status on the public port");
        assertEquals(404, get(http, statusPort, "/").statusCode(), "the status port serves nothing else");
        assertEquals(404, get(http, statusPort, "/api/messages").statusCode(), "the status port proxies nothing");
    }

    private static HttpResponse<String> get(HttpClient http, int port, String path) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try {
                return http.send(req, HttpResponse.BodyHandlers.ofString());
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    throw notYet;
                }
                Thread.sleep(100);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
