package io.messagestack.operator.backup;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Which database node a backup is taken from: a Synced node that is not HAProxy's writer, so the backup's reads
 * and locks never land on the node serving the writes. HAProxy sends writes to the lowest-ordinal healthy node and
 * keeps them there (proxy/HaproxyConfigRenderer), so the writer is taken to be the lowest-ordinal Ready node and the
 * backup goes to the highest-ordinal Ready one: the node least likely to be or become the writer. Ready means the
 * pod's readiness probe (the agent's /health) passes: Primary and Synced. Pure (BackupNodeChoiceTest).
 */
public final class BackupNodeChoice {
    private BackupNodeChoice() {
    }

    /** One database pod as the operator sees it. */
    public record Node(String pod, int ordinal, boolean ready, String nodeName) {
    }

    /** The chosen node, or none and why (the backup then waits: Pending with this reason). */
    public record Choice(Optional<Node> node, String reason) {
        static Choice none(String reason) {
            return new Choice(Optional.empty(), reason);
        }
    }

    /** @param replicas spec.database.replicas (1 only for the unsafe single-node stack) */
    public static Choice choose(List<Node> nodes, int replicas) {
        List<Node> ready = nodes.stream().filter(Node::ready)
                .filter(n -> n.nodeName() != null && !n.nodeName().isBlank())
                .sorted(Comparator.comparingInt(Node::ordinal)).toList();
        if (ready.isEmpty()) {
            return Choice.none("no database node is Ready (Primary and Synced); the backup waits");
        }
        if (replicas == 1) {
            Node only = ready.get(0);
            return new Choice(Optional.of(only), "single-node stack: the backup is taken from its only node "
                    + only.pod() + ", which also serves the writes");
        }
        if (ready.size() == 1) {
            return Choice.none("only " + ready.get(0).pod() + " is Ready, and it is the writer; a backup is taken"
                    + " from a Synced node that is not the writer, so it waits for another node");
        }
        Node writer = ready.get(0);
        Node chosen = ready.get(ready.size() - 1);
        return new Choice(Optional.of(chosen), "taken from " + chosen.pod() + " (Synced; the writer is taken to be "
                + writer.pod() + ", the lowest-ordinal Ready node)");
    }
}
