package io.messagestack.api.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy between message-api and MariaDB that can lose the answer to a COMMIT: armed, it
 * forwards the next COMMIT to the server, waits until the server has answered it (so the
 * transaction is committed), then closes both sides without passing the answer on. The client
 * sees a lost connection during commit and cannot know the outcome: exactly the case in which a
 * retry must not store or delete twice.
 *
 * It reads the MySQL protocol's framing (3-byte length, 1-byte sequence, payload), so the client
 * must connect without TLS (sslMode=DISABLED) and without compression.
 */
public final class CommitCuttingProxy implements AutoCloseable {

    private static final byte COM_QUERY = 0x03;

    private final ServerSocket listener;
    private final int targetPort;
    private final AtomicBoolean armed = new AtomicBoolean();
    private final AtomicInteger cuts = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();

    public CommitCuttingProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "cutting-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** The next COMMIT on any connection is committed by the server and its answer lost. */
    public void cutAfterNextCommit() {
        armed.set(true);
    }

    public boolean armed() {
        return armed.get();
    }

    public int cuts() {
        return cuts.get();
    }

    public int connections() {
        return connections.get();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                connections.incrementAndGet();
                Link link = new Link(client, server);
                start(() -> link.clientToServer(), "cutting-proxy-c2s");
                start(() -> link.serverToClient(), "cutting-proxy-s2c");
            } catch (IOException e) {
                // listener closed, or the target refused: the client sees its connection fail
            }
        }
    }

    private static void start(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    private final class Link {
        private final Socket client;
        private final Socket server;
        private volatile boolean dropNextAnswer;

        Link(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }

        void clientToServer() {
            try (InputStream in = client.getInputStream(); OutputStream out = server.getOutputStream()) {
                byte[] header = new byte[4];
                while (readFully(in, header)) {
                    int length = (header[0] & 0xff) | (header[1] & 0xff) << 8 | (header[2] & 0xff) << 16;
                    byte[] payload = new byte[length];
                    if (!readFully(in, payload)) {
                        break;
                    }
                    if (isCommit(payload) && armed.compareAndSet(true, false)) {
                        dropNextAnswer = true; // before the server can answer
                    }
                    out.write(header);
                    out.write(payload);
                    out.flush();
                }
            } catch (IOException e) {
                // either side closed
            } finally {
                closeBoth();
            }
        }

        void serverToClient() {
            try (InputStream in = server.getInputStream(); OutputStream out = client.getOutputStream()) {
                byte[] buffer = new byte[16 * 1024];
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (dropNextAnswer) {
                        // The server answered the COMMIT: it is durable. The client never hears it.
                        cuts.incrementAndGet();
                        break;
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // either side closed
            } finally {
                closeBoth();
            }
        }

        private void closeBoth() {
            closeQuietly(client);
            closeQuietly(server);
        }
    }

    static boolean isCommit(byte[] payload) {
        if (payload.length < 2 || payload[0] != COM_QUERY) {
            return false;
        }
        String sql = new String(payload, 1, payload.length - 1, StandardCharsets.UTF_8).trim();
        return sql.equalsIgnoreCase("commit");
    }

    private static boolean readFully(InputStream in, byte[] into) throws IOException {
        int off = 0;
        while (off < into.length) {
            int n = in.read(into, off, into.length - off);
            if (n < 0) {
                return false;
            }
            off += n;
        }
        return true;
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
