package io.messagestack.api.warmup;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One pass over the real request paths through this instance's own HTTP port: paged list,
 * reads/updates/deletes of a missing pk (404 problem), invalid and malformed creates (400
 * problem). None of them writes a row. That loads Vert.x, RESTEasy Reactive, the filters,
 * Jackson, validation, the problem mappers, GaleraRetry and the Panache queries, which is what
 * made a new pod's first real requests take seconds.
 */
final class SelfRequests {

    /** 18 digits, the longest pk MessageResource accepts: no message will have it. */
    static final String MISSING_PK = "999999999999999999";
    static final String HEADER = "X-Warm-Up";
    private static final long CONNECT_TIMEOUT_MS = 2000;

    private record Call(String method, String path, String contentType, String body, int expected) {
    }

    private static final List<Call> CALLS = List.of(
            new Call("GET", "/api/messages/?limit=20&offset=0", null, null, 200),
            new Call("GET", "/api/messages?limit=1&offset=1", null, null, 200),
            new Call("GET", "/api/messages/" + MISSING_PK + "/", null, null, 404),
            new Call("GET", "/api/messages/not-a-pk", null, null, 404),
            new Call("POST", "/api/messages/", "application/json", "{\"subject\":\"\",\"body\":\"\"}", 400),
            new Call("POST", "/api/messages/", "application/json", "{\"subject\":", 400),
            new Call("PUT", "/api/messages/" + MISSING_PK + "/", "application/json",
                    "{\"subject\":\"warm-up\",\"body\":\"never stored\"}", 404),
            new Call("PATCH", "/api/messages/" + MISSING_PK + "/", "application/merge-patch+json",
                    "{\"subject\":\"warm-up\"}", 404),
            new Call("DELETE", "/api/messages/" + MISSING_PK + "/", null, null, 404));

    private final URI base;

    SelfRequests(URI base) {
        this.base = base;
    }

    URI base() {
        return base;
    }

    /** Runs every call once; returns what did not answer as expected (empty: all fine). */
    List<String> runOnce(Duration timeout) {
        List<String> problems = new ArrayList<>();
        for (Call call : CALLS) {
            try {
                int status = send(call, timeout);
                if (status != call.expected()) {
                    problems.add(call.method() + " " + call.path() + " -> " + status);
                }
            } catch (IOException e) {
                problems.add(call.method() + " " + call.path() + " -> " + e.getClass().getSimpleName());
            }
            if (Thread.currentThread().isInterrupted()) {
                problems.add("interrupted");
                return problems;
            }
        }
        return problems;
    }

    /**
     * One HTTP/1.1 request on its own connection, the status code returned and the rest read
     * and dropped. A plain socket rather than java.net.http: that client loads some 450 classes
     * and initialises TLS (the JDK's CA store) at every start, about a fifth of the first round.
     */
    private int send(Call call, Duration timeout) throws IOException {
        byte[] body = call.body() == null ? new byte[0] : call.body().getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder()
                .append(call.method()).append(' ').append(call.path()).append(" HTTP/1.1\r\n")
                .append("Host: ").append(base.getHost()).append(':').append(base.getPort()).append("\r\n")
                .append(HEADER).append(": 1\r\n")
                .append("Connection: close\r\n")
                .append("Content-Length: ").append(body.length).append("\r\n");
        if (call.contentType() != null) {
            head.append("Content-Type: ").append(call.contentType()).append("\r\n");
        }
        head.append("\r\n");
        int timeoutMs = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), (int) Math.min(timeoutMs, CONNECT_TIMEOUT_MS));
            socket.setSoTimeout(timeoutMs);
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            InputStream in = socket.getInputStream();
            int status = statusCode(in);
            in.transferTo(OutputStream.nullOutputStream());
            return status;
        }
    }

    /** The code of an "HTTP/1.1 200 OK" status line; IOException when there is none. */
    static int statusCode(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != -1 && c != '\n' && line.length() < 256; c = in.read()) {
            line.append((char) c);
        }
        String[] parts = line.toString().trim().split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/") || !parts[1].matches("[0-9]{3}")) {
            throw new IOException("no HTTP status line: " + line);
        }
        return Integer.parseInt(parts[1]);
    }
}
