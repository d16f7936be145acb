package io.messagestack.operator.database;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * A rolling change of the database pods never restarts HAProxy's writer while it serves the writes: the
 * StatefulSet's partition holds the writer's pod (and those below it) while the pods above it roll; then the writer
 * moves to an updated Synced node (a switchover, as a person's request would), and only once every proxy pod writes
 * there is the partition opened for the rest. The StatefulSet controller rolls from the highest ordinal down, so
 * with the writer on node 0 that is one switchover at the end of the roll; a writer on the highest node first moves
 * to the lowest Synced one. A writer that is not Synced serves no writes (HAProxy has moved away from it): nothing
 * is held then, so a change that repairs a broken node is never blocked. Pure (RollingWriterTest).
 */
public final class RollingWriter {
    private RollingWriter() {
    }

    /**
     * One database node: whether its pod runs the StatefulSet's update revision, and whether it is Synced (pod Ready
     * and its agent reports a Synced member of the Primary component). A missing pod is neither.
     */
    public record Node(int ordinal, boolean updated, boolean synced) {
    }

    /**
     * @param partition the StatefulSet's rollingUpdate.partition for this reconcile
     * @param moveTo    the node the writer moves to now, or null
     * @param waiting   what the roll waits for (for the status), or null
     */
    public record Plan(int partition, Integer moveTo, String waiting) {
        /** The roll waits for every proxy pod to write to the writer (so the proxies' roll must not wait for it). */
        public boolean waitsForProxies() {
            return waiting != null && waiting.startsWith(PROXIES_WAIT);
        }
    }

    private static final String PROXIES_WAIT = "waiting for every proxy pod to write to node ";

    /**
     * @param writer          ordinal of HAProxy's writer
     * @param replicas        database nodes the StatefulSet has
     * @param revisionsKnown  the StatefulSet controller has seen the current spec (observedGeneration) and reports
     *                        an update revision; before that nothing is known about the pods' revisions
     * @param nodes           the nodes 0..replicas-1
     * @param proxiesOnWriter every proxy pod runs the haproxy.cfg that names this writer
     */
    public static Plan plan(int writer, int replicas, boolean revisionsKnown, List<Node> nodes,
                            boolean proxiesOnWriter) {
        if (writer >= replicas) {
            return new Plan(0, null, null); // the writer is no node of the StatefulSet: nothing to hold
        }
        int hold = writer + 1;
        if (!revisionsKnown) {
            return new Plan(hold, null, null);
        }
        Optional<Node> writerNode = nodes.stream().filter(n -> n.ordinal() == writer).findFirst();
        if (nodes.stream().allMatch(Node::updated) && nodes.size() >= replicas) {
            return new Plan(hold, null, null); // nothing to roll: keep the writer held for the next change
        }
        if (writerNode.isPresent() && writerNode.get().updated()) {
            if (!proxiesOnWriter) {
                return new Plan(hold, null, PROXIES_WAIT + writer
                        + " before the other database nodes restart");
            }
            return new Plan(0, null, null);
        }
        if (writerNode.isEmpty() || !writerNode.get().synced()) {
            return new Plan(0, null, null);
        }
        boolean aboveDone = nodes.stream().filter(n -> n.ordinal() > writer)
                .allMatch(n -> n.updated() && n.synced())
                && nodes.stream().filter(n -> n.ordinal() > writer).count() == replicas - hold;
        if (!aboveDone) {
            return new Plan(hold, null, null); // the StatefulSet controller rolls the nodes above the writer
        }
        Optional<Node> target = nodes.stream().filter(n -> n.ordinal() != writer && n.updated() && n.synced())
                .min(Comparator.comparingInt(Node::ordinal));
        if (target.isEmpty()) {
            target = nodes.stream().filter(n -> n.ordinal() != writer && n.synced())
                    .min(Comparator.comparingInt(Node::ordinal));
        }
        if (target.isEmpty()) {
            return new Plan(hold, null, "waiting for a Synced node to move the writer (node " + writer + ") to"
                    + " before it restarts");
        }
        return new Plan(hold, target.get().ordinal(), null);
    }
}
