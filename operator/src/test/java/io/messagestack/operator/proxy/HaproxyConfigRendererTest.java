package io.messagestack.operator.proxy;

import io.messagestack.operator.common.LocalHttp;
import io.messagestack.operator.common.RealBinary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HaproxyConfigRendererTest {
    private static final List<String> HOSTS = List.of("db-0.peers", "db-1.peers", "db-2.peers");

    @Test
    void oneWriterTheOthersBackups() {
        String cfg = HaproxyConfigRenderer.render(HOSTS, 3306, 9200);
        List<String> servers = cfg.lines().filter(l -> l.trim().startsWith("server ")).toList();
        assertEquals(3, servers.size());
        assertEquals("    server db-0 db-0.peers:3306", servers.get(0));
        assertTrue(servers.get(1).endsWith(" backup"));
        assertTrue(servers.get(2).endsWith(" backup"));
        assertFalse(servers.get(0).contains("backup"));
    }

    @Test
    void aSwitchedWriterIsTheOnlyActiveServerAndTheOthersStayBackupsInOrdinalOrder() {
        String cfg = HaproxyConfigRenderer.render(HOSTS, 3306, 9200, 2);
        List<String> servers = cfg.lines().filter(l -> l.trim().startsWith("server ")).toList();
        assertEquals(List.of("    server db-0 db-0.peers:3306 backup", "    server db-1 db-1.peers:3306 backup",
                "    server db-2 db-2.peers:3306"), servers);
        assertEquals(HaproxyConfigRenderer.render(HOSTS, 3306, 9200),
                HaproxyConfigRenderer.render(HOSTS, 3306, 9200, 0),
                "writer 0 renders exactly what stacks without a switchover run (no proxy roll on upgrade)");
    }

    @Test
    void aWriterThatIsNotAServerIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> HaproxyConfigRenderer.render(HOSTS, 3306, 9200, 3));
        assertThrows(IllegalArgumentException.class, () -> HaproxyConfigRenderer.render(HOSTS, 3306, 9200, -1));
    }

    @Test
    void theWriterIsReadBackFromARenderedConfig() {
        for (int writer = 0; writer < HOSTS.size(); writer++) {
            assertEquals(Optional.of(writer),
                    HaproxyConfigRenderer.writerOf(HaproxyConfigRenderer.render(HOSTS, 3306, 9200, writer)));
        }
        assertEquals(Optional.empty(), HaproxyConfigRenderer.writerOf(null));
        assertEquals(Optional.empty(), HaproxyConfigRenderer.writerOf("backend galera\n"
                + "    server db-0 a:3306 backup\n"), "no active server");
        assertEquals(Optional.empty(), HaproxyConfigRenderer.writerOf("backend galera\n    server db-0 a:3306\n"
                + "    server db-1 b:3306\n"), "two active servers: not ours to guess");
    }

    @Test
    void healthReadsGaleraStateThroughTheAgentAndKillsSessionsOfDownNodes() {
        String cfg = HaproxyConfigRenderer.render(HOSTS, 3306, 9200);
        assertTrue(cfg.contains("option httpchk GET /health"));
        assertTrue(cfg.contains("http-check expect status 200"));
        assertTrue(cfg.contains("check port 9200"));
        assertTrue(cfg.contains("on-marked-down shutdown-sessions"));
        assertTrue(cfg.contains("timeout check 1s"), "a check timeout with a unit");
        assertTrue(cfg.contains("fall 2"), "one slow check does not move the writer");
        assertFalse(cfg.contains("mysql-check"), "a TCP handshake says nothing about Galera state");
    }

    @Test
    void theWriterSticksNoFailBackToAReturningNode() {
        String cfg = HaproxyConfigRenderer.render(HOSTS, 3306, 9200);
        assertTrue(cfg.contains("stick-table type ip size 1"), "one entry: the current writer");
        assertTrue(cfg.contains("stick on dst"));
        assertFalse(cfg.contains("shutdown-backup-sessions"), "a returning node must not cut the new writer's sessions");
    }

    @Test
    void realHaproxyAcceptsTheConfig(@TempDir Path dir) throws Exception {
        Path haproxy = RealBinary.require("haproxy");
        Path file = dir.resolve("haproxy.cfg");
        Files.writeString(file, HaproxyConfigRenderer.render(HOSTS, 3306, 9200, 1));
        RealBinary.Result result = RealBinary.run(haproxy.toString(), "-c", "-f", file.toString());
        assertEquals(0, result.exitCode(), "haproxy -c rejected the config:\n" + result.output());
    }

    @Test
    void aNewProxyWaitsForItsFirstChecksAndThenForTheWriter() {
        String cfg = HaproxyConfigRenderer.render(HOSTS, 3306, 9200, 2);
        assertTrue(cfg.contains("set-var proc.started date()"));
        assertTrue(cfg.contains("acl writer_up srv_is_up(galera/db-2)"), "the writer the config names");
        assertTrue(cfg.contains("acl writes_placed table_cnt(galera) gt 0"), "a stick entry: the writes have a place");
        assertTrue(cfg.contains("monitor fail if !usable || !checked || !writer_up !writes_placed !writer_wait_over"));
    }

    /**
     * The real haproxy on the rendered config: the writer (db-1) does not answer its checks yet, a backup does. The
     * old readiness (a usable server) was ready and the first connection stuck the writes to the backup; now it waits
     * until the writer is up.
     */
    @Test
    void realHaproxyIsNotReadyOnABackupWhileTheWriterIsStillDown(@TempDir Path dir) throws Exception {
        Path haproxy = RealBinary.require("haproxy");
        int agentPort = freePort();
        int healthPort = freePort();
        String cfg = HaproxyConfigRenderer.render(List.of("127.0.0.3", "127.0.0.2", "127.0.0.3"), freePort(), agentPort,
                        1)
                .replace("bind :" + HaproxyConfigRenderer.HEALTH_PORT, "bind 127.0.0.1:" + healthPort)
                .replace("bind :" + HaproxyConfigRenderer.METRICS_PORT, "bind 127.0.0.1:" + freePort())
                .replace("bind :3306", "bind 127.0.0.1:" + freePort());
        Path file = dir.resolve("haproxy.cfg");
        Files.writeString(file, cfg);
        HttpServer backup = agent("127.0.0.3", agentPort);
        HttpServer writer = null;
        Process process = new ProcessBuilder(haproxy.toString(), "-db", "-f", file.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("haproxy.log").toFile()).start();
        try {
            Thread.sleep(HaproxyConfigRenderer.FIRST_CHECKS_SECONDS * 1000L + 1500);
            assertEquals(503, healthz(healthPort), "a backup is up but the writer is not: not ready yet");
            writer = agent("127.0.0.2", agentPort);
            int status = 0;
            for (long end = System.nanoTime() + 8_000_000_000L; System.nanoTime() < end && status != 200; ) {
                Thread.sleep(250);
                status = healthz(healthPort);
            }
            assertEquals(200, status, "ready once the writer's checks pass:\n" + Files.readString(dir.resolve("haproxy.log")));
        } finally {
            process.destroy();
            backup.stop(0);
            if (writer != null) {
                writer.stop(0);
            }
        }
    }

    private static HttpServer agent(String host, int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
        server.createContext("/health", exchange -> {
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        return server;
    }

    private static int healthz(int port) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/healthz").toURL()
                    .openConnection();
            c.setConnectTimeout(1000);
            c.setReadTimeout(1000);
            return c.getResponseCode();
        } catch (IOException e) {
            return -1;
        }
    }

    private static int freePort() throws IOException {
        return LocalHttp.freePort();
    }
}
