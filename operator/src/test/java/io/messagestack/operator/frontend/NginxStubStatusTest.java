package io.messagestack.operator.frontend;

import io.messagestack.operator.common.LocalHttp;
import io.messagestack.operator.common.RealBinary;
import io.messagestack.operator.common.Scrape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The frontend pod's metrics path run for real: nginx on the rendered nginx.conf, and Debian's
 * prometheus-nginx-exporter started with the sidecar's own command. stub_status and the exporter are on unix sockets
 * only; nginx's metrics port serves the exporter's text to private sources; the public port serves neither.
 */
class NginxStubStatusTest {
    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stop() {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    @Test
    void renderedMetricsServerAdmitsPrivateSourcesOnlyAndStubStatusIsOnASocket() {
        String conf = NginxConfigRenderer.render(80);
        assertTrue(conf.contains("listen " + NginxConfigRenderer.METRICS_PORT + ";"), conf);
        String metrics = conf.substring(conf.indexOf("location = " + NginxConfigRenderer.METRICS_PATH + " "));
        metrics = metrics.substring(0, metrics.indexOf('}'));
        for (String source : Scrape.PRIVATE_SOURCES) {
            assertTrue(metrics.contains("allow " + source + ";"), source + " in " + metrics);
        }
        assertTrue(metrics.contains("deny all;"), metrics);
        assertTrue(metrics.contains("proxy_pass http://unix:/tmp/nginx-metrics/exporter.sock:/metrics;"), metrics);
        assertEquals(1, conf.split("stub_status;", -1).length - 1, "stub_status in one place only");
        assertTrue(conf.contains("listen unix:/tmp/nginx-metrics/stub_status.sock;"), "stub_status on a socket: " + conf);
        // Only the public port and the metrics port listen on TCP.
        List<String> listens = conf.lines().map(String::trim).filter(l -> l.startsWith("listen ")).toList();
        assertEquals(List.of("listen 80;", "listen unix:/tmp/nginx-metrics/stub_status.sock;",
                "listen " + NginxConfigRenderer.METRICS_PORT + ";"), listens);
    }

    @Test
    void exporterBehindTheMetricsPortCountsPublicRequestsAndReportsNginxDown(@TempDir Path dir) throws Exception {
        RealBinary.require("nginx");
        RealBinary.require("prometheus-nginx-exporter");
        int port = freePort(), metricsPort = freePort();
        NginxStartScript start = new NginxStartScript(dir);
        start.render("127.0.0.1:1", List.of());
        start.writeConfig(port, metricsPort);
        Path exporterSocket = start.socketDir().resolve(NginxConfigRenderer.EXPORTER_SOCKET);
        // nginx's workers run as nobody here: they must reach the exporter's socket through the test folders.
        for (Path d : List.of(dir, start.socketDir())) {
            Files.setPosixFilePermissions(d, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        // What a SIGKILLed nginx and exporter leave behind in the pod's socket volume: both must still start.
        Path stubStatusSocket = start.socketDir().resolve(NginxConfigRenderer.STUB_STATUS_SOCKET);
        for (Path socket : List.of(exporterSocket, stubStatusSocket)) {
            try (java.nio.channels.ServerSocketChannel stale = java.nio.channels.ServerSocketChannel.open(
                    StandardProtocolFamily.UNIX)) {
                stale.bind(UnixDomainSocketAddress.of(socket));
            }
            assertTrue(Files.exists(socket), "a stale socket file is left: " + socket);
        }
        // nginx through the pod's start script, with the Deployment's STUB_STATUS_SOCKET.
        Path pods = dir.resolve("pods");
        Files.write(pods, List.of());
        Process nginx = start.process("127.0.0.1:1", pods, java.util.Map.of("STUB_STATUS_SOCKET",
                stubStatusSocket.toString())).redirectOutput(dir.resolve("nginx.out").toFile()).start();
        processes.add(nginx);
        // The sidecar's command as the pod runs it. umask 0: here nginx's workers run as nobody, the exporter as root
        // (in the pod both are www-data).
        Process exporter = new ProcessBuilder("/bin/sh", "-c",
                "umask 0; " + Frontend.exporterCommand(start.socketDir().toString()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("exporter.out").toFile()).start();
        processes.add(exporter);

        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        for (int i = 0; i < 4; i++) {
            assertEquals(200, get(http, port, "/healthz").statusCode());
        }
        HttpResponse<String> metrics = getUntil(http, metricsPort, NginxConfigRenderer.METRICS_PATH, 200, dir);
        assertTrue(metrics.body().contains("\nnginx_up 1\n"), metrics.body());
        assertTrue(value(metrics.body(), "nginx_http_requests_total") >= 4, "the public requests are counted: "
                + metrics.body());
        assertTrue(value(metrics.body(), "nginx_connections_accepted") >= 1, metrics.body());
        assertTrue(metrics.body().contains("# TYPE nginx_http_requests_total counter"), metrics.body());

        assertFalse(get(http, port, NginxConfigRenderer.METRICS_PATH).body().contains("nginx_up"),
                "metrics on the public port");
        assertFalse(get(http, port, NginxConfigRenderer.STUB_STATUS_PATH).body().contains("Active connections"),
                "stub_status on the public port");
        assertEquals(404, get(http, metricsPort, NginxConfigRenderer.STUB_STATUS_PATH).statusCode(),
                "stub_status is not on the metrics port");
        assertEquals(404, get(http, metricsPort, "/").statusCode(), "the metrics port serves nothing else");
        assertEquals(404, get(http, metricsPort, "/api/messages").statusCode(), "the metrics port proxies nothing");

        // nginx gone (the start script's SIGTERM: a graceful quit): the exporter still answers on its socket, with
        // nginx_up 0 (never an error loop).
        nginx.destroy();
        assertTrue(nginx.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "nginx quits");
        String down = overSocket(exporterSocket, NginxConfigRenderer.METRICS_PATH);
        assertTrue(down.startsWith("HTTP/1.0 200") || down.startsWith("HTTP/1.1 200"), down);
        assertTrue(down.contains("\nnginx_up 0\n"), down);
        assertTrue(exporter.isAlive(), "the exporter keeps running while nginx is down");

        // The pod's stop signal ends the sidecar at once (not after the grace period), the exporter with it.
        List<ProcessHandle> children = exporter.descendants().toList();
        assertFalse(children.isEmpty(), "the exporter runs under the supervisor");
        exporter.destroy();
        assertTrue(exporter.waitFor(5, java.util.concurrent.TimeUnit.SECONDS), "SIGTERM ends the sidecar");
        assertEquals(0, exporter.exitValue());
        for (ProcessHandle child : children) {
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (child.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertFalse(child.isAlive(), "the exporter stopped with the sidecar: " + child.info());
        }
    }

    private static double value(String body, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + " (\\S+)$").matcher(body);
        assertTrue(m.find(), name + " in " + body);
        return Double.parseDouble(m.group(1));
    }

    /** GET over a unix socket (the exporter's own, as nginx's proxy_pass reaches it). */
    private static String overSocket(Path socket, String path) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap(("GET " + path + " HTTP/1.0\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
            var out = new java.io.ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(8192);
            while (ch.read(buf) > 0) {
                out.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    /** The exporter needs a moment after nginx (it retries nginx's socket at start): wait for the status. */
    private static HttpResponse<String> getUntil(HttpClient http, int port, String path, int status, Path dir)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        HttpResponse<String> r;
        while ((r = get(http, port, path)).statusCode() != status) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(path + " answered " + r.statusCode() + ": " + r.body() + "\nexporter: "
                        + Files.readString(dir.resolve("exporter.out")) + "\nnginx: "
                        + Files.readString(dir.resolve("nginx.out")));
            }
            Thread.sleep(200);
        }
        return r;
    }

    private static HttpResponse<String> get(HttpClient http, int port, String path) throws Exception {
        return LocalHttp.get(http, port, path, Duration.ofSeconds(5));
    }

    private static int freePort() throws IOException {
        return LocalHttp.freePort();
    }
}
