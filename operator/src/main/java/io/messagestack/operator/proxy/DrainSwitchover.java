package io.messagestack.operator.proxy;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Node maintenance moves the writer first: when the Kubernetes node under HAProxy's writer is cordoned
 * ({@code spec.unschedulable}, which {@code kubectl drain} sets before it evicts anything), the writer moves to the
 * lowest-ordinal Synced node on a schedulable Kubernetes node, the planned way (a switchover), while the writer's pod
 * is still kept from eviction by its own PodDisruptionBudget (WriterDisruption). Only one move at a time: while the
 * proxies still roll onto the last move, nothing new is decided. Pure (DrainSwitchoverTest).
 */
public final class DrainSwitchover {
    private DrainSwitchover() {
    }

    /**
     * One database node as the operator sees it.
     *
     * @param synced       its pod is Ready and its agent reports a Synced member of the Primary component
     * @param nodeCordoned the Kubernetes node its pod runs on is unschedulable (false for a pod on no node)
     */
    public record Node(int ordinal, boolean synced, boolean nodeCordoned) {
    }

    /**
     * @param moveTo  the node the writer moves to now, or null
     * @param waiting why the writer stays on a cordoned node (for the status), or null
     */
    public record Decision(Integer moveTo, String waiting) {
        static final Decision NOTHING = new Decision(null, null);
    }

    /**
     * @param writer          ordinal of HAProxy's writer (the one active server of the applied haproxy.cfg)
     * @param proxiesOnWriter every proxy pod runs the haproxy.cfg that names this writer (no move in progress)
     * @param nodes           the database nodes that have a pod
     */
    public static Decision decide(int writer, boolean proxiesOnWriter, List<Node> nodes) {
        Optional<Node> current = nodes.stream().filter(n -> n.ordinal() == writer).findFirst();
        if (current.isEmpty() || !current.get().nodeCordoned()) {
            return Decision.NOTHING;
        }
        if (!current.get().synced()) {
            // It serves no writes (HAProxy has failed over) and its budget lets a pod that is not Ready go.
            return Decision.NOTHING;
        }
        if (!proxiesOnWriter) {
            return new Decision(null, "the writer's Kubernetes node is cordoned; waiting for every proxy pod to run"
                    + " the last writer move before the next");
        }
        return nodes.stream().filter(n -> n.ordinal() != writer && n.synced() && !n.nodeCordoned())
                .min(Comparator.comparingInt(Node::ordinal))
                .map(n -> new Decision(n.ordinal(), null))
                .orElseGet(() -> new Decision(null, "the writer's Kubernetes node is cordoned and no other Synced"
                        + " database node runs on a schedulable node to move it to; its pod stays (its"
                        + " PodDisruptionBudget holds the drain)"));
    }
}
