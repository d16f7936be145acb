package io.messagestack.operator.backup;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Which database node a backup is taken from: a Synced node that is not HAProxy's writer, so the backup's reads
 * and locks never land on the node serving the writes. HAProxy sends writes to the writer node the operator rendered
 * (status.writer, node 0 unless a switchover moved it) and, while that one is down, to the lowest-ordinal healthy
 * backup, and keeps them there (proxy/HaproxyConfigRenderer). So the writer is taken to be status.writer's node when
 * it is Ready, else the lowest-ordinal Ready node, and the backup goes to the highest-ordinal other Ready node. Ready
 * means the pod's readiness probe (the agent's /health) passes: Primary and Synced. Pure (BackupNodeChoiceTest).
 */
public final class BackupNodeChoice {
    private BackupNodeChoice() {
    }

    /**
     * One database pod as the operator sees it. {@code schedulable}: its Kubernetes node is not cordoned (the backup
     * Job goes through the scheduler, which places nothing new on a cordoned node).
     */
    public record Node(String pod, int ordinal, boolean ready, String nodeName, boolean schedulable) {
        public Node(String pod, int ordinal, boolean ready, String nodeName) {
            this(pod, ordinal, ready, nodeName, true);
        }
    }

    /** The chosen node, or none and why (the backup then waits: Pending with this reason). */
    public record Choice(Optional<Node> node, String reason) {
        static Choice none(String reason) {
            return new Choice(Optional.empty(), reason);
        }
    }

    /** A stack whose writer is node 0 (no switchover). */
    public static Choice choose(List<Node> nodes, int replicas) {
        return choose(nodes, replicas, null);
    }

    /**
     * @param replicas  spec.database.replicas (1 only for the unsafe single-node stack)
     * @param writerPod status.writer.pod, null when the status names none (then node 0)
     */
    public static Choice choose(List<Node> nodes, int replicas, String writerPod) {
        List<Node> ready = nodes.stream().filter(Node::ready)
                .filter(n -> n.nodeName() != null && !n.nodeName().isBlank())
                .sorted(Comparator.comparingInt(Node::ordinal)).toList();
        if (ready.isEmpty()) {
            return Choice.none("no database node is Ready (Primary and Synced); the backup waits");
        }
        if (replicas == 1) {
            Node only = ready.get(0);
            if (!only.schedulable()) {
                return Choice.none(onCordonedNode(List.of(only)));
            }
            return new Choice(Optional.of(only), "single-node stack: the backup is taken from its only node "
                    + only.pod() + ", which also serves the writes");
        }
        if (ready.size() == 1) {
            return Choice.none("only " + ready.get(0).pod() + " is Ready, and it is the writer; a backup is taken"
                    + " from a Synced node that is not the writer, so it waits for another node");
        }
        Optional<Node> named = ready.stream().filter(n -> n.pod().equals(writerPod)).findFirst();
        Node writer = named.orElse(ready.get(0));
        List<Node> others = ready.stream().filter(n -> n != writer).toList();
        Optional<Node> schedulable = others.stream().filter(Node::schedulable).reduce((a, b) -> b);
        if (schedulable.isEmpty()) {
            return Choice.none(onCordonedNode(others));
        }
        Node chosen = schedulable.get();
        return new Choice(Optional.of(chosen), "taken from " + chosen.pod() + " (Synced; the writer is taken to be "
                + writer.pod() + (named.isPresent() ? ", status.writer" : ", the lowest-ordinal Ready node") + ")");
    }

    private static String onCordonedNode(List<Node> nodes) {
        return nodes.stream().map(n -> n.pod() + " (on " + n.nodeName() + ")").reduce((a, b) -> a + ", " + b)
                .orElse("") + ": its Kubernetes node is cordoned, so the backup Job cannot be placed next to it;"
                + " the backup waits until the node is uncordoned or another Synced node can take it";
    }
}
