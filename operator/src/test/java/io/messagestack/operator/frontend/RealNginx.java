package io.messagestack.operator.frontend;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real nginx running the rendered nginx.conf, as the pod's start script writes it with no pod list yet (the
 * upstream is the Service, here one fake API), on a free loopback port; returned once /healthz answers.
 */
final class RealNginx {
    record Started(Process process, int port) {
    }

    private RealNginx() {
    }

    static Started inFrontOf(Path binary, Path dir, int apiPort) throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        NginxStartScript start = new NginxStartScript(dir);
        start.render("127.0.0.1:" + apiPort, List.of());
        Path file = start.writeConfig(port);
        Process nginx = new ProcessBuilder(binary.toString(), "-c", file.toString(), "-e",
                dir.resolve("error.log").toString(), "-g", "daemon off;").redirectErrorStream(true)
                .redirectOutput(dir.resolve("out.log").toFile()).start();
        try {
            waitUntilListening(port);
        } catch (Exception e) {
            nginx.destroyForcibly();
            throw e;
        }
        return new Started(nginx, port);
    }

    private static void waitUntilListening(int port) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try {
                http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build(),
                        HttpResponse.BodyHandlers.discarding());
                return;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    throw notYet;
                }
                Thread.sleep(100);
            }
        }
    }
}
