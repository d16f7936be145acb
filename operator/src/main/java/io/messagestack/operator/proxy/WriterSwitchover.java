package io.messagestack.operator.proxy;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Where HAProxy's writer goes: a person's switchover request (annotation {@value #ANNOTATION}: the target pod's
 * name) is carried out only onto a database node of this stack that exists and is Synced, and that is not the writer
 * already; otherwise it is refused with the reason and the writer stays. Before a scale-down removes the writer's
 * node, {@link #replacement} names the node the operator moves it to. Pure (WriterSwitchoverTest).
 */
public final class WriterSwitchover {
    /** {@code kubectl annotate ms <name> messagestack.io/switchover-to=<name>-db-<i>}. */
    public static final String ANNOTATION = "messagestack.io/switchover-to";

    public static final String SWITCHED = "Switched";
    public static final String REFUSED = "Refused";

    private WriterSwitchover() {
    }

    /**
     * One database node of the stack as the operator sees it.
     *
     * @param exists its pod exists (and is not being deleted)
     * @param synced its pod is Ready (the agent's /health: Primary, Synced, not draining) and its agent reports a
     *               Synced member of the Primary component
     */
    public record Node(String pod, int ordinal, boolean exists, boolean synced) {
    }

    /** SWITCH: {@code target} becomes the writer. REFUSE: the writer stays; {@code reason} says why. */
    public enum Outcome { SWITCH, REFUSE }

    public record Decision(Outcome outcome, Integer target, String reason, String message) {
        static Decision refuse(String reason, String message) {
            return new Decision(Outcome.REFUSE, null, reason, message);
        }
    }

    /**
     * @param requested the annotation's value (a pod name)
     * @param statefulSet the database StatefulSet's name (pods are {@code <statefulSet>-<ordinal>})
     * @param replicas  database nodes the StatefulSet has now
     * @param writer    ordinal of the writer now
     * @param nodes     the database nodes the operator sees
     */
    public static Decision decide(String requested, String statefulSet, int replicas, int writer, List<Node> nodes) {
        String value = requested == null ? "" : requested.trim();
        String prefix = statefulSet + "-";
        Integer ordinal = null;
        if (value.startsWith(prefix) && value.substring(prefix.length()).matches("0|[1-9][0-9]{0,5}")) {
            ordinal = Integer.parseInt(value.substring(prefix.length()));
        }
        if (ordinal == null || ordinal >= replicas) {
            return Decision.refuse("SwitchoverTargetNotFound", "switchover to \"" + value + "\" refused: it is not a"
                    + " database node of this stack (" + prefix + "0 .. " + prefix + (replicas - 1) + "); the writer"
                    + " stays " + prefix + writer);
        }
        int target = ordinal;
        Node node = nodes.stream().filter(n -> n.ordinal() == target).findFirst().orElse(null);
        if (node == null || !node.exists()) {
            return Decision.refuse("SwitchoverTargetNotFound", "switchover to " + value + " refused: the pod does not"
                    + " exist; the writer stays " + prefix + writer);
        }
        if (target == writer) {
            return Decision.refuse("SwitchoverTargetIsWriter", "switchover to " + value + " refused: it is the"
                    + " writer already");
        }
        if (!node.synced()) {
            return Decision.refuse("SwitchoverTargetNotSynced", "switchover to " + value + " refused: it is not a"
                    + " Ready, Synced member of the Primary component; the writer stays " + prefix + writer);
        }
        return new Decision(Outcome.SWITCH, target, "Switchover", "writer moved from " + prefix + writer + " to "
                + value + " at the request of annotation " + ANNOTATION);
    }

    /**
     * Where the writer goes before a scale-down removes its node: the lowest-ordinal Synced node that stays (ordinal
     * below {@code remaining}), empty when there is none (the scale-down then waits).
     */
    public static Optional<Node> replacement(int writer, int remaining, List<Node> nodes) {
        return nodes.stream().filter(n -> n.ordinal() != writer && n.ordinal() < remaining)
                .filter(Node::exists).filter(Node::synced)
                .min(Comparator.comparingInt(Node::ordinal));
    }
}
