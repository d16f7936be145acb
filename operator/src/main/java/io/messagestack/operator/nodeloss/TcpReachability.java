package io.messagestack.operator.nodeloss;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One round of TCP connects to every target at once, each allowed the same deadline. A handshake or a refusal is an
 * answer (the pod's node is alive); silence until the deadline, or no route, is not. The connection is closed as
 * soon as it is made: nothing is sent.
 *
 * <p>At the deadline every pending connect is checked once more, so a round the operator itself was too slow to
 * watch (a stalled JVM, a starved CPU) counts the handshakes that arrived meanwhile: a slow operator errs toward
 * "answered", never toward marking a live pod.
 */
public final class TcpReachability {
    private TcpReachability() {
    }

    public static List<UnreachablePods.Result> probe(List<UnreachablePods.Target> targets, Duration deadline)
            throws IOException {
        Map<UnreachablePods.Target, Boolean> answered = new HashMap<>();
        List<SocketChannel> channels = new ArrayList<>();
        try (Selector selector = Selector.open()) {
            for (UnreachablePods.Target t : targets) {
                SocketChannel channel = SocketChannel.open();
                channels.add(channel);
                try {
                    channel.configureBlocking(false);
                    if (channel.connect(new InetSocketAddress(InetAddress.getByName(t.ip()), t.port()))) {
                        answered.put(t, true);
                    } else {
                        channel.register(selector, SelectionKey.OP_CONNECT, t);
                    }
                } catch (IOException e) {
                    answered.put(t, isAnswer(e));
                }
            }
            long end = System.nanoTime() + deadline.toNanos();
            while (answered.size() < targets.size()) {
                long left = (end - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    break;
                }
                selector.select(left);
                for (SelectionKey key : selector.selectedKeys()) {
                    finish(key, answered);
                }
                selector.selectedKeys().clear();
            }
            for (SelectionKey key : selector.keys()) {
                if (key.isValid() && !answered.containsKey((UnreachablePods.Target) key.attachment())) {
                    finish(key, answered);
                }
            }
        } finally {
            for (SocketChannel channel : channels) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // closing a socket that never connected
                }
            }
        }
        List<UnreachablePods.Result> results = new ArrayList<>();
        for (UnreachablePods.Target t : targets) {
            results.add(new UnreachablePods.Result(t, answered.getOrDefault(t, false)));
        }
        return results;
    }

    private static void finish(SelectionKey key, Map<UnreachablePods.Target, Boolean> answered) {
        UnreachablePods.Target t = (UnreachablePods.Target) key.attachment();
        try {
            if (((SocketChannel) key.channel()).finishConnect()) {
                answered.put(t, true);
                key.cancel();
            }
        } catch (IOException e) {
            answered.put(t, isAnswer(e));
            key.cancel();
        }
    }

    /**
     * A refusal (RST, ConnectException) comes from a live kernel; no route (NoRouteToHostException: the node's
     * address does not answer ARP) or an unreachable network does not.
     */
    private static boolean isAnswer(IOException e) {
        return e instanceof ConnectException;
    }
}
