package io.messagestack.operator.proxy;

import io.messagestack.operator.common.RealBinary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
}
