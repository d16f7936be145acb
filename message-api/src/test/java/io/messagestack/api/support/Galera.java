package io.messagestack.api.support;

import java.io.File;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The three-node Galera cluster and its HAProxy, as started by hack/api/start-galera.sh: the operator's data plane
 * (galera-start.sh -> galera-agent start, galera-agents, the operator's rendered my.cnf and haproxy.cfg) on loopback.
 * Node n (1-3) is the data plane's node n-1: folder node{n-1}, HAProxy server galera/db-{n-1}.
 */
public final class Galera {

    public static final Path RUN = Path.of(System.getenv().getOrDefault("MS_TEST_RUN", "/tmp/messagestack-test"), "galera");

    private Galera() {
    }

    /** Fails (never skips) when the cluster or HAProxy is not there. */
    public static void requireRunning() {
        for (int port : TestServers.GALERA_NODES) {
            TestServers.requireListening(port, "Galera node", "hack/api/start-galera.sh");
        }
        TestServers.requireListening(TestServers.HAPROXY, "HAProxy in front of Galera", "hack/api/start-galera.sh");
    }

    public static String nodeUrl(int node) {
        return TestServers.jdbcUrl(TestServers.GALERA_NODES[node - 1]);
    }

    public static String haproxyUrl() {
        return TestServers.jdbcUrl(TestServers.HAPROXY);
    }

    /** A connection to one node that waits for the cluster's writes before reading (causal reads). */
    public static Connection connectCausal(int node) throws SQLException {
        Connection c = DriverManager.getConnection(nodeUrl(node), TestServers.USER, TestServers.PASSWORD);
        try (Statement s = c.createStatement()) {
            s.execute("SET SESSION wsrep_sync_wait = 1");
        }
        return c;
    }

    public static void clearMessages() throws SQLException {
        try (Connection c = connectCausal(1); Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM message");
        }
    }

    /**
     * The node (1-3) HAProxy sends writes to now. The operator's haproxy.cfg keeps a writer once chosen (no
     * fail-back), so after an earlier failover this need not be node 1.
     */
    public static int writerNode() throws SQLException {
        try (Connection c = DriverManager.getConnection(haproxyUrl(), TestServers.USER, TestServers.PASSWORD);
                Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery("SELECT @@wsrep_node_name")) {
            rs.next();
            String name = rs.getString(1);
            // The data plane names node n-1 "ms-db-<n-1>" (hack/dataplane/lib.sh start_node).
            return Integer.parseInt(name.substring(name.lastIndexOf('-') + 1)) + 1;
        }
    }

    /** SIGKILL the node's mariadbd, as a crash or an OOM kill would. */
    public static long kill(int node) throws IOException {
        long pid = Long.parseLong(Files.readString(RUN.resolve("node" + (node - 1) + "/run/mysqld.pid")).trim());
        ProcessHandle handle = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("n" + node + " not running"));
        handle.destroyForcibly();
        handle.onExit().join();
        return pid;
    }

    /** SIGKILL the HAProxy in front of the cluster: every connection through it is cut at once. */
    public static long killHaproxy() throws IOException {
        long pid = Long.parseLong(Files.readString(RUN.resolve("haproxy.pid")).trim());
        ProcessHandle handle = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("haproxy not running"));
        handle.destroyForcibly();
        handle.onExit().join();
        return pid;
    }

    /** Starts HAProxy again with the configuration start-galera.sh wrote, as it does (daemon, pid file). */
    public static void startHaproxy() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("haproxy", "-D", "-p", RUN.resolve("haproxy.pid").toString(),
                "-f", RUN.resolve("haproxy.cfg").toString())
                .redirectErrorStream(true).start();
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("haproxy did not start: " + new String(p.getInputStream().readAllBytes()));
        }
    }

    /** Runs hack/api/start-galera.sh: it restarts whatever is down and waits until all are Synced. */
    public static void restore() throws IOException, InterruptedException {
        File script = new File(ApiProcess.repoRoot(), "hack/api/start-galera.sh");
        Path log = Path.of("target", "it-logs", "start-galera.log");
        Files.createDirectories(log.getParent());
        Process p = new ProcessBuilder(script.getAbsolutePath()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        if (!p.waitFor(180, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("start-galera.sh could not restore the cluster; see " + log.toAbsolutePath());
        }
    }

    /** One command on HAProxy's admin socket (e.g. "disable server galera/db-0"). */
    public static String haproxyCommand(String command) throws IOException {
        Path socket = RUN.resolve("haproxy.sock");
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8)));
            ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
            StringBuilder out = new StringBuilder();
            while (channel.read(buffer) > 0) {
                buffer.flip();
                out.append(StandardCharsets.UTF_8.decode(buffer));
                buffer.clear();
            }
            return out.toString();
        }
    }

    public static void setAllServers(String action) throws IOException {
        for (int n = 1; n <= 3; n++) {
            haproxyCommand(action + " server galera/db-" + (n - 1));
            if (action.equals("disable")) {
                haproxyCommand("shutdown sessions server galera/db-" + (n - 1));
            }
        }
    }

    public static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
