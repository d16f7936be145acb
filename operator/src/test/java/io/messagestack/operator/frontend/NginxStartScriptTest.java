package io.messagestack.operator.frontend;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * nginx-start.sh with a real nginx: the message-api upstream lists the ready pods (a dead one costs one try, not a
 * share of the requests), follows the pod list without a restart, and falls back to the Service alone.
 */
class NginxStartScriptTest {
    private final List<ServerSocket> servers = new ArrayList<>();
    private Process script;

    @AfterEach
    void stop() throws IOException {
        if (script != null) {
            script.descendants().forEach(ProcessHandle::destroyForcibly);
            script.destroyForcibly();
        }
        for (ServerSocket s : servers) {
            s.close();
        }
    }

    @Test
    void podsFirstThenTheServiceAsLastResort(@TempDir Path dir) throws Exception {
        NginxStartScript start = new NginxStartScript(dir);
        assertEquals(List.of(
                        "server 10.0.0.1:8080 max_fails=1 fail_timeout=5s;",
                        "server 10.0.0.2:8080 max_fails=1 fail_timeout=5s;",
                        "server shop-api.prod.svc.cluster.local:8080 max_fails=0 backup;"),
                start.render("shop-api.prod.svc.cluster.local:8080", List.of("10.0.0.2", "10.0.0.1", "10.0.0.2")));
        assertEquals(List.of(
                        "server shop-api.prod.svc.cluster.local:8080 max_fails=0;",
                        "server shop-api.prod.svc.cluster.local:8080 max_fails=0;",
                        "server shop-api.prod.svc.cluster.local:8080 max_fails=0 backup;"),
                start.render("shop-api.prod.svc.cluster.local:8080", List.of()),
                "no pods known: the Service alone, three tries, never marked down");
    }

    @Test
    void aTestsPodListMayGiveEachInstanceItsOwnPort(@TempDir Path dir) throws Exception {
        // The loopback page test and bench run their message-api instances on one address (API_PODS_FILE only).
        assertEquals(List.of(
                        "server 127.0.0.1:18091 max_fails=1 fail_timeout=5s;",
                        "server 127.0.0.1:18092 max_fails=1 fail_timeout=5s;",
                        "server 127.0.0.1:18091 max_fails=0 backup;"),
                new NginxStartScript(dir).render("127.0.0.1:18091", List.of("127.0.0.1:18092", "127.0.0.1:18091")));
    }

    @Test
    void aDeadPodIsSkippedAndANewPodListIsFollowed(@TempDir Path dir) throws Exception {
        // Two fake API pods on the same port of 127.0.0.2 and 127.0.0.3; 127.0.0.9 refuses (a dead pod).
        AtomicInteger a = new AtomicInteger();
        AtomicInteger b = new AtomicInteger();
        ServerSocket first = serve("127.0.0.2", 0, "A", a);
        int apiPort = first.getLocalPort();
        serve("127.0.0.3", apiPort, "B", b);
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        NginxStartScript start = new NginxStartScript(dir);
        start.writeConfig(port);
        Path pods = dir.resolve("pods");
        Files.write(pods, List.of("127.0.0.9", "127.0.0.2"));
        script = start.process("127.0.0.2:" + apiPort, pods, Map.of("API_POLL_SECONDS", "1"))
                .redirectOutput(dir.resolve("out.log").toFile()).start();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI uri = URI.create("http://127.0.0.1:" + port + "/api/messages/");
        awaitAnswersInARow(http, uri, "A", 1);

        a.set(0);
        for (int i = 0; i < 20; i++) {
            assertEquals("A", get(http, uri).body(), "the dead pod is skipped, never answered for");
        }
        assertEquals(20, a.get());

        Files.write(pods, List.of("127.0.0.3"));
        // While a reload is under way the old workers may still take a connection or two (on a loaded machine for
        // some hundred ms after the first answer from the new ones): the new list is followed once B answers ten
        // times in a row, well within the deadline.
        awaitAnswersInARow(http, uri, "B", 10);
        assertTrue(Files.readString(dir.resolve("out.log")).contains("message-api pods now 127.0.0.3; nginx reloaded"));

        script.destroy(); // SIGTERM, as the kubelet sends it: nginx quits gracefully, the script ends with it
        assertTrue(script.waitFor(10, TimeUnit.SECONDS), "the start script ends when nginx has quit");
    }

    private static HttpResponse<String> get(HttpClient http, URI uri) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Until {@code who} answers {@code times} requests in a row; fails after 15 s. */
    private static void awaitAnswersInARow(HttpClient http, URI uri, String who, int times) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        int inARow = 0;
        String last = null;
        while (inARow < times) {
            assertTrue(System.nanoTime() < deadline, "the new pod list is followed (nginx reloaded): " + who
                    + " answered " + inARow + " times in a row before the deadline, last answer " + last);
            try {
                last = get(http, uri).body();
            } catch (IOException notYet) {
                last = notYet.toString(); // nginx not listening yet
            }
            inARow = who.equals(last) ? inARow + 1 : 0;
            if (inARow == 0) {
                Thread.sleep(200);
            }
        }
    }

    /** A fake API pod: answers every request with its name. */
    private ServerSocket serve(String address, int port, String name, AtomicInteger received) throws IOException {
        ServerSocket server = new ServerSocket(port, 50, InetAddress.getByName(address));
        servers.add(server);
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    HttpHead.read(s.getInputStream());
                    received.incrementAndGet();
                    OutputStream out = s.getOutputStream();
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1\r\nConnection: close\r\n\r\n"
                            + name).getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (IOException closed) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        return server;
    }
}
