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
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rendered nginx.conf run by a real nginx in front of a fake API that answers every request, reloaded (SIGHUP,
 * what nginx-start.sh sends when the API pods change) every 50 ms while one client sends POSTs without a key, one
 * after the other, as fast as it can: none may fail. With kept-alive client connections some do (a reload closes
 * the old workers' idle connections while a request is on its way: "header parser received no bytes").
 */
class NginxReloadTest {
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
    void reloadsWhileAClientPostsFailNoRequest(@TempDir Path dir) throws Exception {
        Path binary = RealBinary.require("nginx");
        api = new ServerSocket(0, 200);
        Thread server = new Thread(this::serve);
        server.setDaemon(true);
        server.start();
        RealNginx.Started started = RealNginx.inFrontOf(binary, dir, api.getLocalPort());
        nginx = started.process();
        int port = started.port();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI uri = URI.create("http://127.0.0.1:" + port + "/api/messages/");

        HttpResponse<String> first = http.send(post(uri), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, first.statusCode());
        assertEquals("close", first.headers().firstValue("connection").orElse(""),
                "one request per client connection");

        List<String> failures = new ArrayList<>();
        int sent = 0;
        int reloads = 0;
        // Until 40 reloads and 100 requests have happened (a busy machine needs longer than 4 s), at most 60 s.
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        long nextReload = System.nanoTime();
        while ((reloads < 40 || sent < 100) && System.nanoTime() < end) {
            if (System.nanoTime() >= nextReload) {
                Process hup = new ProcessBuilder("kill", "-HUP", Long.toString(nginx.pid())).start();
                assertEquals(0, hup.waitFor(), "kill -HUP nginx");
                reloads++;
                nextReload = System.nanoTime() + Duration.ofMillis(50).toNanos();
            }
            sent++;
            try {
                HttpResponse<String> r = http.send(post(uri), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 201) {
                    failures.add("status " + r.statusCode());
                }
            } catch (IOException e) {
                failures.add(e.toString());
            }
        }
        assertTrue(reloads >= 40 && sent >= 100, "the test reloaded and sent enough: " + reloads + " reloads, "
                + sent + " requests");
        assertTrue(failures.isEmpty(), failures.size() + " of " + sent + " POSTs failed across " + reloads
                + " reloads: " + failures.subList(0, Math.min(5, failures.size())));
    }

    private static HttpRequest post(URI uri) {
        return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"subject\":\"s\",\"body\":\"b\"}")).build();
    }

    /** Every request gets 201 (one request per upstream connection: nginx keeps none to the API). */
    private void serve() {
        while (!api.isClosed()) {
            try (Socket s = api.accept()) {
                HttpHead.readRequest(s.getInputStream());
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
