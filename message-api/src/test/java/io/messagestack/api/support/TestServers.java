package io.messagestack.api.support;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/** Where the test servers started by hack/api/*.sh listen, and a clear failure when they do not. */
public final class TestServers {

    public static final String HOST = "127.0.0.1";
    public static final int SINGLE_MARIADB = Integer.getInteger("ms.test.db.port",
            Integer.parseInt(System.getenv().getOrDefault("MS_TEST_DB_PORT", "25306")));
    public static final int HAPROXY = 25310;
    public static final int[] GALERA_NODES = { 25311, 25312, 25313 };
    public static final String DATABASE = "messages";
    public static final String USER = "messages";
    public static final String PASSWORD = "messages";

    private TestServers() {
    }

    public static String jdbcUrl(int port) {
        return "jdbc:mysql://" + HOST + ":" + port + "/" + DATABASE + "?connectTimeout=1000&socketTimeout=10000";
    }

    /** Fails (never skips) with the command that starts the missing server. */
    public static void requireListening(int port, String what, String fix) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, port), 2000);
        } catch (IOException e) {
            throw new IllegalStateException(what + " is not reachable at " + HOST + ":" + port + " (" + e.getMessage()
                    + "). Start it with: " + fix + "  (or run `make test-api`, which starts and stops the test servers)");
        }
    }
}
