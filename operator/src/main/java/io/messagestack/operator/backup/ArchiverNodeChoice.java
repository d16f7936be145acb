package io.messagestack.operator.backup;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Which database node the binary log archiver follows (docs/pitr.md). Every node's binary log holds the whole
 * cluster under the same GTIDs, so any Synced node will do and a move loses nothing: the archiver resumes after the
 * archive's last seqno. Each move restarts the archiver, so it stays on its node while that one is Ready; otherwise
 * it goes to the highest-ordinal Ready node that is not HAProxy's writer (the writer's node serves the writes), or
 * to the writer when that is the only Ready node. With no Ready node (a full crash) it stays where it is and
 * reconnects when that node is back. Ready means the readiness probe passes: Primary and Synced. Pure
 * (ArchiverNodeChoiceTest).
 */
public final class ArchiverNodeChoice {
    private ArchiverNodeChoice() {
    }

    /** One database pod: name, ordinal, Ready. */
    public record Node(String pod, int ordinal, boolean ready) {
    }

    /** The node to follow (empty: none yet, the archiver is not created) and why, for the log and the status. */
    public record Choice(Optional<String> pod, String reason, boolean moved) {
    }

    /**
     * @param current   the pod the archiver follows now (null: no archiver yet)
     * @param writerPod HAProxy's writer (status.writer's pod; null: node 0)
     */
    public static Choice choose(List<Node> nodes, String current, String writerPod) {
        List<Node> ready = nodes.stream().filter(Node::ready).sorted(Comparator.comparingInt(Node::ordinal)).toList();
        if (current != null && ready.stream().anyMatch(n -> n.pod().equals(current))) {
            return new Choice(Optional.of(current), "follows " + current + " (Ready)", false);
        }
        if (ready.isEmpty()) {
            return current == null
                    ? new Choice(Optional.empty(), "no database node is Ready (Primary and Synced) yet; the archiver"
                    + " starts when one is", false)
                    : new Choice(Optional.of(current), "no database node is Ready; the archiver stays on " + current
                    + " and resumes after the archive's last transaction when a node is back", false);
        }
        String writer = ready.stream().map(Node::pod).filter(p -> p.equals(writerPod)).findFirst()
                .orElse(ready.get(0).pod());
        Node chosen = ready.stream().filter(n -> !n.pod().equals(writer)).reduce((a, b) -> b).orElse(ready.get(0));
        String why = (current == null ? "follows " : current + " is not Ready; moves to ") + chosen.pod()
                + (chosen.pod().equals(writer) ? " (the only Ready node, also the writer)"
                : " (Ready, not the writer " + writer + ")");
        return new Choice(Optional.of(chosen.pod()), why, current != null);
    }
}
