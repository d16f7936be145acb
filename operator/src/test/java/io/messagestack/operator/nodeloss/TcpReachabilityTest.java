package io.messagestack.operator.nodeloss;

import io.messagestack.operator.nodeloss.UnreachablePods.Result;
import io.messagestack.operator.nodeloss.UnreachablePods.Target;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TcpReachabilityTest {
    @Test
    void aHandshakeAndARefusalAnswerSilenceDoesNot() throws Exception {
        try (ServerSocket listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // A listener that never accepts and whose accept queue is full: the kernel drops further SYNs, so a
            // connect gets no answer at all, as from a stopped node (addresses outside may be answered by the
            // sandbox's network, so the silent target is made here).
            List<Socket> filling = fill(full);
            int closedPort;
            try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
                closedPort = s.getLocalPort();
            }
            Target open = target("open", "127.0.0.1", listening.getLocalPort());
            Target refused = target("refused", "127.0.0.1", closedPort);
            // TEST-NET-1 (RFC 5737): routed nowhere, so the connect gets no answer (or no route) until the deadline.
            List<Target> silent = java.util.stream.IntStream.rangeClosed(1, 5)
                    .mapToObj(i -> target("silent" + i, "127.0.0.1", full.getLocalPort())).toList();
            List<Target> all = new java.util.ArrayList<>(List.of(open, refused));
            all.addAll(silent);
            long start = System.nanoTime();
            List<Result> results = TcpReachability.probe(all, Duration.ofMillis(400));
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            Map<String, Boolean> answered = results.stream()
                    .collect(Collectors.toMap(r -> r.target().pod(), Result::answered));
            assertEquals(Map.of("open", true, "refused", true, "silent1", false, "silent2", false, "silent3", false,
                    "silent4", false, "silent5", false), answered);
            // One deadline for the whole round (five silent targets one after another would take 2 s).
            assertEquals(true, tookMs < 1_500, "the round took " + tookMs + " ms");
            for (Socket s : filling) {
                s.close();
            }
        }
    }

    /** Connects until a connect no longer completes within 300 ms: the accept queue is full. */
    private static List<Socket> fill(ServerSocket listener) throws java.io.IOException {
        List<Socket> sockets = new java.util.ArrayList<>();
        for (int i = 0; i < 16; i++) {
            Socket s = new Socket();
            try {
                s.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort()), 300);
                sockets.add(s);
            } catch (java.net.SocketTimeoutException e) {
                s.close();
                return sockets;
            }
        }
        throw new AssertionError("the accept queue never filled: the silent target would answer");
    }

    @Test
    void aRoundWithEveryoneAnsweringEndsAtOnce() throws Exception {
        try (ServerSocket listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            long start = System.nanoTime();
            List<Result> results = TcpReachability.probe(
                    List.of(target("a", "127.0.0.1", listening.getLocalPort())), Duration.ofSeconds(5));
            assertEquals(true, results.get(0).answered());
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertEquals(true, tookMs < 2_000, "waited " + tookMs + " ms for a round whose only target answered");
        }
    }

    private static Target target(String pod, String ip, int port) {
        return new Target("ns", "demo", "frontend", pod, "w1", ip, port);
    }
}
