package io.messagestack.operator.database;

import io.fabric8.kubernetes.api.model.apps.StatefulSet;

/**
 * How many database nodes the StatefulSet gets in this reconcile: spec.database.replicas, reached one node at a
 * time. The StatefulSet is Parallel (a full-crash recovery needs every node up at once), so changing its replicas
 * by two adds or removes two nodes together, and each Galera membership change pauses every commit: two at once
 * made ~4 s stalls under load (chaos/notes/scale-db-3-5-3.md). Like an OrderedReady StatefulSet, a step up waits
 * until every node is Ready (a joiner must finish its state transfer before the next one asks for one); a step
 * down waits until the last removed pod is gone and tolerates one unready node (often the reason to scale down).
 * Pure, so every rule is unit-tested.
 */
public final class DatabaseScaling {
    private DatabaseScaling() {
    }

    /**
     * @param replicas the StatefulSet's replicas now
     * @param waiting  why the operator does not step now, or null (at the target, or stepping in this reconcile)
     */
    public record Step(int replicas, int desired, int from, String waiting) {
        public boolean atTarget() {
            return replicas == desired && from == desired;
        }

        public boolean stepped() {
            return replicas != from;
        }

        /** For the status and events: what the operator does with the database's size. */
        public String describe() {
            String direction = desired > from ? "adding" : "removing";
            String base = "scaling the database to " + desired + " nodes, " + direction + " one at a time: ";
            if (waiting != null) {
                return base + from + " now, " + waiting;
            }
            return base + from + " -> " + replicas;
        }
    }

    /** The StatefulSet as the API server reports it (null fields count as 0). */
    public record Current(int replicas, int statusReplicas, int readyReplicas, boolean observed) {
        public static Current of(StatefulSet sts) {
            var st = sts.getStatus();
            int replicas = sts.getSpec().getReplicas() == null ? 1 : sts.getSpec().getReplicas();
            if (st == null) {
                return new Current(replicas, 0, 0, false);
            }
            long generation = sts.getMetadata().getGeneration() == null ? 0 : sts.getMetadata().getGeneration();
            long observed = st.getObservedGeneration() == null ? -1 : st.getObservedGeneration();
            return new Current(replicas, zero(st.getReplicas()), zero(st.getReadyReplicas()), observed >= generation);
        }

        private static int zero(Integer i) {
            return i == null ? 0 : i;
        }
    }

    /** Nodes a new StatefulSet starts with: a majority-capable cluster, the rest join one at a time. */
    public static final int FIRST_SIZE = 3;

    /**
     * The size of a StatefulSet created now. Never the whole spec at once: no spec creates more than
     * {@link #FIRST_SIZE} pods and volumes in one go (a mistyped size once made thousands of claims at once). The
     * first nodes start together (ordinal 0 creates the cluster only when all its peers answer, see
     * galera-agent start); the others join one at a time through {@link #next}. Volumes kept from an earlier
     * StatefulSet (a stack re-created on its data, or an orphaned StatefulSet's pods) are all started at once, up
     * to spec.database.replicas: a full-crash recovery must see every node that holds data, or it could bootstrap
     * from a less advanced one.
     *
     * @param highestKeptOrdinal highest ordinal of an existing data volume of this stack, -1 when there is none
     */
    public static Step first(int desired, int highestKeptOrdinal) {
        int start = desired <= FIRST_SIZE ? desired
                : Math.max(FIRST_SIZE, Math.min(desired, highestKeptOrdinal + 1));
        if (start == desired) {
            return new Step(desired, desired, desired, null);
        }
        return new Step(start, desired, start, "a new database starts with " + start
                + " nodes; the others join one at a time once all are Ready");
    }

    /**
     * @param desired spec.database.replicas
     * @param current the existing StatefulSet, or null when it is created now (see {@link #first})
     */
    public static Step next(int desired, Current current) {
        if (current == null) {
            return first(desired, -1);
        }
        int now = current.replicas();
        if (now == desired) {
            return new Step(now, desired, now, null);
        }
        if (!current.observed()) {
            return new Step(now, desired, now, "waiting for the StatefulSet controller to see the last change");
        }
        if (desired > now) {
            if (current.readyReplicas() < now || current.statusReplicas() != now) {
                return new Step(now, desired, now, "waiting for all " + now + " nodes to be Ready ("
                        + current.readyReplicas() + " are) before the next joins");
            }
            return new Step(now + 1, desired, now, null);
        }
        if (current.statusReplicas() > now) {
            return new Step(now, desired, now, "waiting for the removed node's pod to stop ("
                    + current.statusReplicas() + " pods left)");
        }
        if (current.readyReplicas() < now - 1) {
            return new Step(now, desired, now, "waiting for at least " + (now - 1) + " of " + now
                    + " nodes to be Ready (" + current.readyReplicas() + " are) before the next leaves");
        }
        return new Step(now - 1, desired, now, null);
    }
}
