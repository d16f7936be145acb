package io.messagestack.operator.frontend;

import io.messagestack.operator.common.LocalHttp;
import com.sun.net.httpserver.HttpServer;
import io.messagestack.operator.common.ClasspathFiles;
import io.messagestack.operator.common.RealBinary;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The frontend pod's request metrics run for real: nginx on the rendered nginx.conf through the pod's start script,
 * Debian's mtail started with the sidecar's own command and the ConfigMap's program, an API stand-in on 127.0.0.2 and
 * dead API "pods" on 127.0.0.1 and 127.0.0.3 (nothing listens there: connection refused). Three requests, each on a
 * fresh nginx (fresh workers try the upstream servers in their listed order): one answered by the API, one whose first
 * server refuses so nginx retries the next, one that every server refuses. The counters are read through nginx's
 * metrics port, as Prometheus reads them.
 */
class NginxRequestMetricsTest {
    private final List<Process> processes = new ArrayList<>();
    private HttpServer api;

    @AfterEach
    void stop() {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        if (api != null) {
            api.stop(0);
        }
    }

    @Test
    void programCountsRequestsTriesRetriesAndTimesFromAccessLogLines(@TempDir Path dir) throws Exception {
        Path mtail = RealBinary.require("mtail");
        Path program = dir.resolve(Frontend.REQUEST_METRICS_PROGRAM);
        Files.writeString(program, ClasspathFiles.read("nginx/" + Frontend.REQUEST_METRICS_PROGRAM, "test"));
        // Lines as nginx writes them (the "metrics" log format); the last two are not nginx's.
        Path log = dir.resolve("access.log");
        String header = "";
        Files.write(log, List.of(
                header + "location=page status=200 upstream_status=- upstream_time=-",
                header + "location=page status=404 upstream_status=- upstream_time=-",
                header + "location=api status=201 upstream_status=201 upstream_time=0.010",
                header + "location=api status=200 upstream_status=502, 200 upstream_time=0.000, 0.030",
                header + "location=api status=504 upstream_status=504, 504, 504 upstream_time=1.001, 1.002, 1.003",
                header + "location=api status=409 upstream_status=409 upstream_time=0.020",
                header + "location=api status=503 upstream_status=503 upstream_time=0.020",
                header + "location=api status=507 upstream_status=507 upstream_time=0.200",
                header + "location=/secret status=200 upstream_status=200 upstream_time=0.001",
                "garbage location=api status=200 upstream_status=200 upstream_time=0.001"));
        RealBinary.Result r = RealBinary.run(mtail.toString(), "-one_shot", "-one_shot_format", "prometheus",
                "-emit_prog_label=false", "-progs", program.toString(), "-logs", log.toString());
        assertEquals(0, r.exitCode(), r.output());
        Map<String, Double> m = samples(r.output());
        assertEquals(Map.of(
                "nginx_requests_total{location=\"page\",status_class=\"2xx\"}", 1.0,
                "nginx_requests_total{location=\"page\",status_class=\"4xx\"}", 1.0,
                "nginx_requests_total{location=\"api\",status_class=\"2xx\"}", 2.0,
                "nginx_requests_total{location=\"api\",status_class=\"4xx\"}", 1.0,
                "nginx_requests_total{location=\"api\",status_class=\"5xx\"}", 3.0), family(m, "nginx_requests_total"));
        assertEquals(Map.of(
                "nginx_upstream_attempts_total{upstream_status=\"2xx\"}", 2.0,
                "nginx_upstream_attempts_total{upstream_status=\"4xx\"}", 1.0,
                "nginx_upstream_attempts_total{upstream_status=\"502\"}", 1.0,
                "nginx_upstream_attempts_total{upstream_status=\"503\"}", 1.0,
                "nginx_upstream_attempts_total{upstream_status=\"504\"}", 3.0,
                "nginx_upstream_attempts_total{upstream_status=\"5xx\"}", 1.0), family(m, "nginx_upstream_attempts_total"));
        assertEquals(Map.of("nginx_upstream_retried_requests_total{location=\"api\"}", 2.0),
                family(m, "nginx_upstream_retried_requests_total"));
        // One observation per try; a try measured as 0.000 is in the first bucket.
        assertEquals(9.0, m.get("nginx_upstream_response_seconds_count"));
        assertEquals(1.0, m.get("nginx_upstream_response_seconds_bucket{le=\"0.005\"}"));
        assertEquals(4.0, m.get("nginx_upstream_response_seconds_bucket{le=\"0.025\"}"));
        assertEquals(6.0, m.get("nginx_upstream_response_seconds_bucket{le=\"1\"}"));
        assertEquals(9.0, m.get("nginx_upstream_response_seconds_bucket{le=\"2.5\"}"));
        assertEquals(3.286, m.get("nginx_upstream_response_seconds_sum"), 1e-9);
    }

    @Test
    void answeredRetriedAndFailedRequestsAreCountedThroughTheMetricsPort(@TempDir Path dir) throws Exception {
        RealBinary.require("nginx");
        RealBinary.require("mtail");
        int apiPort = freePort();
        api = HttpServer.create(new InetSocketAddress("127.0.0.2", apiPort), 16);
        api.createContext("/", exchange -> {
            byte[] body = "{\"messages\":[]}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        api.start();

        int port = freePort(), metricsPort = freePort();
        NginxStartScript start = new NginxStartScript(dir);
        // The Service (the upstream's backup server): nothing listens on 127.0.0.4.
        String service = "127.0.0.4:" + apiPort;
        start.render(service, List.of());
        Path conf = start.writeConfig(port, metricsPort);
        servePageFromTestFolder(dir, start, conf);
        Path program = dir.resolve(Frontend.REQUEST_METRICS_PROGRAM);
        Files.writeString(program, ClasspathFiles.read("nginx/" + Frontend.REQUEST_METRICS_PROGRAM, "test"));
        // The sidecar's command as the pod runs it; umask 0 because nginx's workers (nobody) send to a socket mtail
        // (root here) creates (in the pod both are www-data).
        Process mtail = new ProcessBuilder("/bin/sh", "-c",
                "umask 0; " + Frontend.requestMetricsCommand(start.socketDir().toString(), program.toString()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("mtail.out").toFile()).start();
        processes.add(mtail);
        Path mtailSocket = start.socketDir().resolve(NginxConfigRenderer.REQUEST_METRICS_SOCKET);
        waitFor(() -> Files.exists(mtailSocket), "mtail's socket", dir);

        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        // 1. Answered: the API pod alone; plus the page, and probes, which are not counted.
        Process nginx = startNginx(start, dir, service, List.of("127.0.0.2"));
        assertEquals(200, get(http, port, "/api/messages").statusCode());
        assertEquals(200, get(http, port, "/").statusCode());
        assertEquals(200, get(http, port, "/healthz").statusCode());
        stopNginx(nginx);
        // 2. Retried: the first pod (127.0.0.1, listed first) refuses, nginx tries the next, which answers.
        nginx = startNginx(start, dir, service, List.of("127.0.0.1", "127.0.0.2"));
        assertEquals(200, get(http, port, "/api/messages").statusCode());
        stopNginx(nginx);
        // 3. Failed: both pods and the Service (the backup server) refuse: three tries, then 502 for the client.
        nginx = startNginx(start, dir, service, List.of("127.0.0.1", "127.0.0.3"));
        assertEquals(502, get(http, port, "/api/messages").statusCode());

        Map<String, Double> expected = new LinkedHashMap<>();
        expected.put("nginx_requests_total{location=\"api\",status_class=\"2xx\"}", 2.0);
        expected.put("nginx_requests_total{location=\"api\",status_class=\"5xx\"}", 1.0);
        expected.put("nginx_requests_total{location=\"page\",status_class=\"2xx\"}", 1.0);
        expected.put("nginx_upstream_attempts_total{upstream_status=\"2xx\"}", 2.0);
        expected.put("nginx_upstream_attempts_total{upstream_status=\"502\"}", 4.0);
        expected.put("nginx_upstream_retried_requests_total{location=\"api\"}", 2.0);
        expected.put("nginx_upstream_response_seconds_count", 6.0);
        // mtail reads the log every 250 ms: wait for the last line.
        Map<String, Double> m = Map.of();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = get(http, metricsPort, NginxConfigRenderer.REQUEST_METRICS_PATH);
            m = r.statusCode() == 200 ? samples(r.body()) : Map.of();
            if (m.entrySet().containsAll(expected.entrySet())) {
                break;
            }
            Thread.sleep(200);
        }
        Map<String, Double> seen = new LinkedHashMap<>(m);
        seen.keySet().retainAll(expected.keySet());
        assertEquals(expected, seen, "counters through the metrics port; mtail: "
                + Files.readString(dir.resolve("mtail.out")) + "\nall: " + m);
        for (String family : List.of("nginx_requests_total", "nginx_upstream_attempts_total",
                "nginx_upstream_retried_requests_total")) {
            assertEquals(expected.keySet().stream().filter(k -> k.startsWith(family + "{")).count(),
                    family(m, family).size(), "no other label values: " + family(m, family));
        }
        // The public port does not serve the request metrics.
        assertFalse(get(http, port, NginxConfigRenderer.REQUEST_METRICS_PATH).body().contains("nginx_requests_total"));
    }

    @Test
    void nginxNeverWaitsForTheSidecarAndKeepsTheRequestLogSmall(@TempDir Path dir) throws Exception {
        RealBinary.require("nginx");
        RealBinary.require("mtail");
        int port = freePort(), metricsPort = freePort();
        NginxStartScript start = new NginxStartScript(dir);
        String service = "127.0.0.4:1";
        start.render(service, List.of());
        Path conf = start.writeConfig(port, metricsPort);
        servePageFromTestFolder(dir, start, conf);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        Path requestLog = start.socketDir().resolve(NginxConfigRenderer.REQUEST_LOG);

        // No sidecar at all (not started yet, or restarting): every request is answered; the metrics path fails at
        // once (502: no socket), which Prometheus records as a failed scrape.
        Process nginx = startNginx(start, dir, service, List.of(), Map.of("REQUEST_LOG_MAX_BYTES", "60000"));
        assertEquals(100, burst(http, port, 100), "requests answered without a reader");
        assertEquals(502, get(http, metricsPort, NginxConfigRenderer.REQUEST_METRICS_PATH).statusCode());

        // A reader that does not read (mtail stopped with SIGSTOP): nginx answers as fast as ever.
        Path program = dir.resolve(Frontend.REQUEST_METRICS_PROGRAM);
        Files.writeString(program, ClasspathFiles.read("nginx/" + Frontend.REQUEST_METRICS_PROGRAM, "test"));
        Process sidecar = new ProcessBuilder("/bin/sh", "-c",
                "umask 0; " + Frontend.requestMetricsCommand(start.socketDir().toString(), program.toString()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("mtail.out").toFile()).start();
        processes.add(sidecar);
        Path mtailSocket = start.socketDir().resolve(NginxConfigRenderer.REQUEST_METRICS_SOCKET);
        waitFor(() -> Files.exists(mtailSocket), "mtail's socket", dir);
        ProcessHandle mtail = sidecar.descendants().filter(p -> p.info().command().orElse("").endsWith("mtail"))
                .findFirst().orElseThrow();
        assertEquals(0, RealBinary.run("kill", "-STOP", String.valueOf(mtail.pid())).exitCode());
        long started = System.nanoTime();
        assertEquals(2000, burst(http, port, 2000), "requests answered while mtail reads nothing");
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        assertTrue(seconds < 30, "2000 requests took " + seconds + " s while mtail was stopped");
        assertEquals(0, RealBinary.run("kill", "-CONT", String.valueOf(mtail.pid())).exitCode());

        // The log is bounded (limit 60000 bytes here; a page line is about 60 bytes): 1100 more lines pass the limit
        // while mtail runs, the start script empties the file within its 1 s loop, and mtail goes on from the start
        // of the emptied file: 10 requests after that are counted, exactly once.
        assertEquals(1100, burst(http, port, 1100));
        waitFor(() -> Files.size(requestLog) < 60000, "the request log emptied by nginx-start.sh", dir);
        String page2xx = "nginx_requests_total{location=\"page\",status_class=\"2xx\"}";
        double counted = settled(http, metricsPort, page2xx);
        assertEquals(10, burst(http, port, 10));
        waitFor(() -> samples(get(http, metricsPort, NginxConfigRenderer.REQUEST_METRICS_PATH).body())
                .getOrDefault(page2xx, 0.0) == counted + 10, "10 more page requests counted after the log was emptied "
                + "(from " + counted + ")", dir);
        Thread.sleep(1000);
        assertEquals(counted + 10, samples(get(http, metricsPort, NginxConfigRenderer.REQUEST_METRICS_PATH).body())
                .get(page2xx), "counted once");
        assertTrue(nginx.isAlive(), "nginx is still running");
    }

    /** The series' value once mtail has read everything: two reads 1 s (four of its polls) apart agree. */
    private static double settled(HttpClient http, int metricsPort, String series) throws Exception {
        double last = -1;
        for (int i = 0; i < 30; i++) {
            double now = samples(get(http, metricsPort, NginxConfigRenderer.REQUEST_METRICS_PATH).body())
                    .getOrDefault(series, 0.0);
            if (now == last) {
                return now;
            }
            last = now;
            Thread.sleep(1000);
        }
        throw new AssertionError(series + " still changing after 30 s");
    }

    /** n GET / from 8 clients at once; returns how many were answered 200. */
    private static int burst(HttpClient http, int port, int n) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                answers.add(pool.submit(() -> get(http, port, "/").statusCode()));
            }
            int ok = 0;
            for (Future<Integer> a : answers) {
                if (a.get(30, TimeUnit.SECONDS) == 200) {
                    ok++;
                }
            }
            return ok;
        } finally {
            pool.shutdownNow();
        }
    }

    /** nginx through the pod's start script, with the given API pods; returns once it answers. */
    private Process startNginx(NginxStartScript start, Path dir, String apiService, List<String> pods)
            throws Exception {
        return startNginx(start, dir, apiService, pods, Map.of());
    }

    /** As the pod starts it (its REQUEST_LOG), with the start script's loop every second and extra settings. */
    private Process startNginx(NginxStartScript start, Path dir, String apiService, List<String> pods,
                               Map<String, String> extra) throws Exception {
        Path podsFile = dir.resolve("pods");
        Files.write(podsFile, pods);
        Map<String, String> env = new LinkedHashMap<>(Map.of("API_POLL_SECONDS", "1",
                "REQUEST_LOG", start.socketDir().resolve(NginxConfigRenderer.REQUEST_LOG).toString()));
        env.putAll(extra);
        Process nginx = start.process(apiService, podsFile, env)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("nginx.out").toFile())).start();
        processes.add(nginx);
        return nginx;
    }

    /** The pod's stop signal: the start script turns it into nginx's graceful quit. */
    private static void stopNginx(Process nginx) throws InterruptedException {
        nginx.destroy();
        assertTrue(nginx.waitFor(10, TimeUnit.SECONDS), "nginx quits");
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private static void waitFor(Check check, String what, Path dir) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!check.ok()) {
            if (System.nanoTime() > deadline) {
                Path out = dir.resolve("mtail.out");
                throw new AssertionError(what + " not there after 15 s; mtail: "
                        + (Files.exists(out) ? Files.readString(out) : "(not started)"));
            }
            Thread.sleep(100);
        }
    }

    /** Prometheus text to {series: value}, comments left out. */
    static Map<String, Double> samples(String text) {
        Map<String, Double> out = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^([a-z_]+(?:\\{[^}]*\\})?) (\\S+)$").matcher(text);
        while (m.find()) {
            out.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        return out;
    }

    private static Map<String, Double> family(Map<String, Double> samples, String name) {
        Map<String, Double> out = new LinkedHashMap<>();
        samples.forEach((k, v) -> {
            if (k.startsWith(name + "{")) {
                out.put(k, v);
            }
        });
        return out;
    }

    /**
     * The page from a test folder instead of the image's; nginx's workers run as nobody here, so they must reach
     * mtail's sockets and the page through the test folders.
     */
    private static void servePageFromTestFolder(Path dir, NginxStartScript start, Path conf) throws IOException {
        Path page = Files.createDirectories(dir.resolve("page"));
        Files.writeString(page.resolve("index.html"), "<html>page</html>");
        Files.writeString(conf, Files.readString(conf).replace("root " + NginxConfigRenderer.PAGE_DIR + ";",
                "root " + page + ";"));
        for (Path d : List.of(dir, start.socketDir(), page)) {
            Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Files.setPosixFilePermissions(page.resolve("index.html"), PosixFilePermissions.fromString("rw-r--r--"));
    }

    private static HttpResponse<String> get(HttpClient http, int port, String path) throws Exception {
        return LocalHttp.get(http, port, path, Duration.ofSeconds(15));
    }

    private static int freePort() throws IOException {
        return LocalHttp.freePort();
    }
}
