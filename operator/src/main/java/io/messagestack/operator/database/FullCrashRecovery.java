package io.messagestack.operator.database;

import io.messagestack.operator.crd.GaleraNodeStatus;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * After a full crash no node holds a Primary component, and every node's start script waits for a decision
 * (see galera-agent start, galera-agent/start.go). This decides, on complete knowledge only, which node bootstraps a new Primary component:
 * never while a node's position is unknown, never by outvoting a node on another history. Pure, so every rule is a
 * row of FullCrashRecoveryTest; the reconciler carries the decision out (POST /bootstrap) and reports it. The rules
 * as a table: docs/dataplane.md, "Full-crash recovery: the rules".
 */
public final class FullCrashRecovery {
    /** Set on the MessageStack to the pod that must bootstrap when the rules refuse or wait. */
    public static final String FORCE_ANNOTATION = "messagestack.io/force-bootstrap";
    /** The uuid Galera writes to grastate.dat while a state transfer into the node runs. */
    public static final String ZERO_UUID = "00000000-0000-0000-0000-000000000000";

    private FullCrashRecovery() {
    }

    /** What the operator does. */
    public enum Outcome {
        /** Not a full crash (a Primary component exists, or no node waits for a recovery decision). */
        NONE,
        /** Not yet: something is not known, or a bootstrap is under way. */
        WAIT,
        /** The rules cannot choose safely: a person must (the force annotation). */
        REFUSE,
        /** POST /bootstrap to {@link Decision#pod()}. */
        BOOTSTRAP
    }

    /** How one node counts in the decision. */
    public enum Kind {
        PRIMARY("primary"), BOOTSTRAP_REQUESTED("bootstrap-requested"), CANDIDATE("waiting"),
        NO_DATA("no-data"), SST_INCOMPLETE("needs-sst"), RECOVERING("recovering"), STARTING("starting"),
        RUNNING("running"), NO_ANSWER("no-answer"), UNKNOWN("unknown");

        public final String text;

        Kind(String text) {
            this.text = text;
        }

        /** Neither a source nor a vote nor a blocker: holds no history of the cluster. */
        boolean excluded() {
            return this == NO_DATA || this == SST_INCOMPLETE;
        }
    }

    /** One node as the decision sees it. */
    public record Node(String pod, String ip, Kind kind, String uuid, Long seqno, boolean safeToBootstrap,
                       String detail) {
        String describe() {
            return pod + " (" + kind.text + (detail == null || detail.isBlank() ? "" : ": " + detail) + ")";
        }

        public GaleraNodeStatus row() {
            return new GaleraNodeStatus(pod, uuid == null || uuid.isBlank() ? null : uuid, seqno,
                    safeToBootstrap, kind.text, detail == null ? null : shorten(detail, 200));
        }
    }

    /**
     * @param reason  a condition reason (CamelCase) saying what it waits for or why it chose a node
     * @param message names the nodes
     * @param forced  the choice came from the force annotation, whose value is {@code forcedBy}
     */
    public record Decision(Outcome outcome, String pod, String ip, String uuid, Long seqno, String reason,
                           String message, boolean forced, String forcedBy, List<Node> nodes) {
        public boolean fullCrash() {
            return outcome != Outcome.NONE;
        }

        public List<GaleraNodeStatus> rows() {
            return nodes.stream().map(Node::row).toList();
        }
    }

    /**
     * @param expectedPods the database pods the stack has now (ordinals 0 .. replicas-1)
     * @param answered     the agents that answered (pods of other names are ignored)
     * @param force        the value of the {@link #FORCE_ANNOTATION} annotation, or null
     */
    public static Decision decide(List<String> expectedPods, List<GaleraProbe.PodState> answered, String force) {
        Map<String, GaleraProbe.PodState> byPod = new LinkedHashMap<>();
        answered.forEach(p -> byPod.put(p.pod(), p));
        List<Node> nodes = expectedPods.stream().map(pod -> classify(pod, byPod.get(pod))).toList();
        String forced = force == null || force.isBlank() ? null : force.trim();

        // 1. A Primary component exists: the others join it by themselves. A force never makes a second one.
        List<Node> primary = of(nodes, Kind.PRIMARY);
        if (!primary.isEmpty()) {
            return none(nodes, "PrimaryComponent", names(primary) + " in a Primary component; the others join it"
                    + (forced != null ? "; annotation " + FORCE_ANNOTATION + "=" + forced + " ignored" : ""));
        }
        // 2. Not a full crash: no node waits for a recovery decision (a new cluster, joins, state transfers).
        boolean anyRecovery = answered.stream().anyMatch(p -> expectedPods.contains(p.pod())
                && p.state().recoveryState() != null);
        if (!anyRecovery) {
            return none(nodes, "NoRecovery", "no node waits for a full-crash recovery decision");
        }
        // 3. A bootstrap was requested: wait for that node to form the Primary component.
        List<Node> requested = of(nodes, Kind.BOOTSTRAP_REQUESTED);
        if (!requested.isEmpty()) {
            return wait(nodes, "WaitingForBootstrap", names(requested)
                    + " was told to bootstrap; waiting for its Primary component");
        }
        // 4. A person's choice wins over the rules below, but only for a node that can bootstrap.
        if (forced != null) {
            return forcedChoice(nodes, forced, expectedPods);
        }
        // 5. Complete knowledge: every node's position is known, or the node holds no history.
        List<Node> unknown = nodes.stream().filter(n -> n.kind() != Kind.CANDIDATE && !n.kind().excluded()).toList();
        if (!unknown.isEmpty()) {
            return wait(nodes, "WaitingForPositions", "no bootstrap while a node's position is unknown (it may hold"
                    + " the newest commits): " + unknown.stream().map(Node::describe).collect(Collectors.joining(", "))
                    + forceHint());
        }
        List<Node> candidates = of(nodes, Kind.CANDIDATE);
        if (candidates.isEmpty()) {
            return refuse(nodes, "NoBootstrapSource", "no node holds a complete history: "
                    + nodes.stream().map(Node::describe).collect(Collectors.joining(", ")) + forceHint());
        }
        // 6. One history only: nodes on different histories are never outvoted.
        Map<String, List<Node>> histories = candidates.stream()
                .collect(Collectors.groupingBy(Node::uuid, LinkedHashMap::new, Collectors.toList()));
        if (histories.size() > 1) {
            String which = histories.entrySet().stream().map(e -> names(e.getValue()) + " on history " + e.getKey()
                    + " (seqno " + e.getValue().stream().map(n -> String.valueOf(n.seqno()))
                    .collect(Collectors.joining(", ")) + ")").collect(Collectors.joining("; "));
            return refuse(nodes, "HistoriesDisagree", "the nodes are on different histories and none is outvoted: "
                    + which + forceHint());
        }
        // 7. The most advanced node; equal positions: safe_to_bootstrap, then the lowest ordinal.
        Node chosen = candidates.stream().max(Comparator.comparingLong(Node::seqno)
                .thenComparing(Node::safeToBootstrap)
                .thenComparing(Node::pod, Comparator.reverseOrder())).orElseThrow();
        List<Node> excluded = nodes.stream().filter(n -> n.kind().excluded()).toList();
        String others = candidates.stream().filter(n -> n != chosen).map(n -> n.pod() + " seqno " + n.seqno())
                .collect(Collectors.joining(", "));
        return new Decision(Outcome.BOOTSTRAP, chosen.pod(), chosen.ip(), chosen.uuid(), chosen.seqno(),
                "BootstrapMostAdvanced", chosen.pod() + " has the most advanced position (seqno " + chosen.seqno()
                + (chosen.safeToBootstrap() ? ", safe_to_bootstrap" : "") + ") of history " + chosen.uuid()
                + (others.isEmpty() ? "" : "; the others join it: " + others)
                + (excluded.isEmpty() ? "" : "; holding no history, they join by state transfer: "
                + excluded.stream().map(Node::describe).collect(Collectors.joining(", "))),
                false, null, nodes);
    }

    private static Decision forcedChoice(List<Node> nodes, String forced, List<String> expectedPods) {
        Node target = nodes.stream().filter(n -> n.pod().equals(forced)).findFirst().orElse(null);
        if (target == null) {
            return refuse(nodes, "ForceBootstrapInvalid", "annotation " + FORCE_ANNOTATION + "=" + forced
                    + " names no database pod of this stack (" + String.join(", ", expectedPods) + ")");
        }
        if (target.kind() != Kind.CANDIDATE) {
            // Its agent would refuse too: a node without a known position cannot bootstrap.
            return wait(nodes, "ForceBootstrapNotPossible", "annotation " + FORCE_ANNOTATION + "=" + forced
                    + ": " + target.describe() + " does not wait with a known position; it cannot bootstrap");
        }
        return new Decision(Outcome.BOOTSTRAP, target.pod(), target.ip(), target.uuid(), target.seqno(),
                "BootstrapForced", "forced by annotation " + FORCE_ANNOTATION + "=" + forced + ": " + target.pod()
                + " bootstraps from seqno " + target.seqno() + " of history " + target.uuid() + "; nodes: "
                + nodes.stream().map(n -> n.pod() + " " + n.kind().text + (n.seqno() != null ? " " + n.seqno() : ""))
                .collect(Collectors.joining(", ")), true, forced, nodes);
    }

    /** How one node counts; null state: its agent did not answer. */
    static Node classify(String pod, GaleraProbe.PodState p) {
        if (p == null) {
            return new Node(pod, null, Kind.NO_ANSWER, null, null, false, "agent does not answer");
        }
        GaleraProbe.NodeState s = p.state();
        String rs = s.recoveryState();
        if ("Primary".equals(s.clusterStatus())) {
            // No seqno: a running node's last committed position moves with every commit, and the table would
            // make every reconcile patch the status.
            return node(p, Kind.PRIMARY, s.clusterStateUuid(), null, s.localStateComment());
        }
        if (s.bootstrapRequested()) {
            return node(p, Kind.BOOTSTRAP_REQUESTED, s.recoveredUuid(), s.recoveredSeqno(), null);
        }
        if (s.running()) {
            return node(p, Kind.RUNNING, s.recoveredUuid(), null, "server running, cluster status "
                    + (s.clusterStatus() == null || s.clusterStatus().isBlank() ? "unknown" : s.clusterStatus()));
        }
        if (s.errors() != null) {
            return node(p, Kind.UNKNOWN, s.grastateUuid(), null, "agent cannot read the datadir: " + s.errors());
        }
        // An unfinished state transfer: grastate.dat holds the zero uuid whatever InnoDB says (--wsrep-recover on a
        // partial copy can return a real-looking position: mariadb-operator issue 1108).
        if ("needs-sst".equals(rs) || ZERO_UUID.equals(s.grastateUuid()) && s.hasData()
                || "waiting".equals(rs) && ZERO_UUID.equals(s.recoveredUuid())) {
            return node(p, Kind.SST_INCOMPLETE, ZERO_UUID, null, "unfinished state transfer (zero uuid): no source");
        }
        if (!s.hasData() && rs == null) {
            return node(p, Kind.NO_DATA, null, null, "empty datadir");
        }
        if (rs == null) {
            return node(p, Kind.STARTING, s.grastateUuid(), null, "has data, no position reported yet");
        }
        if ("recovering".equals(rs)) {
            return node(p, Kind.RECOVERING, s.grastateUuid(), null, "attempt " + s.recoveryAttempts()
                    + (s.recoveryError() == null ? "" : ", " + s.recoveryError()));
        }
        Long seqno = s.recoveredSeqno();
        String uuid = s.recoveredUuid();
        if (!"waiting".equals(rs) || seqno == null || seqno < 0 || uuid == null || uuid.isBlank()) {
            return node(p, Kind.UNKNOWN, uuid, null, "position unknown (state " + rs + ", seqno "
                    + (seqno == null ? "null" : seqno) + ")");
        }
        return new Node(p.pod(), p.ip(), Kind.CANDIDATE, uuid, seqno, s.safeToBootstrap(), null);
    }

    private static Node node(GaleraProbe.PodState p, Kind kind, String uuid, Long seqno, String detail) {
        return new Node(p.pod(), p.ip(), kind, uuid, seqno, p.state().safeToBootstrap(), detail);
    }

    private static List<Node> of(List<Node> nodes, Kind kind) {
        return nodes.stream().filter(n -> n.kind() == kind).toList();
    }

    private static String names(List<Node> nodes) {
        return nodes.stream().map(Node::pod).collect(Collectors.joining(", "));
    }

    private static String forceHint() {
        return "; a person may choose with the annotation " + FORCE_ANNOTATION + "=<pod> (see docs/dataplane.md)";
    }

    private static Decision none(List<Node> nodes, String reason, String message) {
        return new Decision(Outcome.NONE, null, null, null, null, reason, message, false, null, nodes);
    }

    private static Decision wait(List<Node> nodes, String reason, String message) {
        return new Decision(Outcome.WAIT, null, null, null, null, reason, message, false, null, nodes);
    }

    private static Decision refuse(List<Node> nodes, String reason, String message) {
        return new Decision(Outcome.REFUSE, null, null, null, null, reason, message, false, null, nodes);
    }

    public static String shorten(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }
}
