package io.messagestack.operator.crd;

import java.util.Objects;

/**
 * One database node as its galera-agent reported it: the per-node table of {@code status.galera.nodes}, what the
 * full-crash recovery decides on.
 */
public class GaleraNodeStatus {
    /** The database pod. */
    public String pod;
    /** The history the node's data belongs to (the Galera cluster state uuid); empty when not known. */
    public String uuid;
    /** The node's last committed position on that history; null when not known (never -1). */
    public Long seqno;
    /** grastate.dat's safe_to_bootstrap (the last node to leave the cluster cleanly). */
    public Boolean safeToBootstrap;
    /**
     * primary, bootstrap-requested, waiting (position known), recovering (position not known yet), needs-sst
     * (unfinished state transfer), no-data (empty volume), starting, running (outside a Primary component), no-answer.
     */
    public String state;
    /** Why, in a few words (the recovery error, the agent's errors). */
    public String detail;
    /** When the node entered this state (as seen by the operator). */
    public String since;

    public GaleraNodeStatus() {
    }

    public GaleraNodeStatus(String pod, String uuid, Long seqno, Boolean safeToBootstrap, String state, String detail) {
        this.pod = pod;
        this.uuid = uuid;
        this.seqno = seqno;
        this.safeToBootstrap = safeToBootstrap;
        this.state = state;
        this.detail = detail;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GaleraNodeStatus g && Objects.equals(g.pod, pod) && Objects.equals(g.uuid, uuid)
                && Objects.equals(g.seqno, seqno) && Objects.equals(g.safeToBootstrap, safeToBootstrap)
                && Objects.equals(g.state, state) && Objects.equals(g.detail, detail) && Objects.equals(g.since, since);
    }

    @Override
    public int hashCode() {
        return Objects.hash(pod, uuid, seqno, safeToBootstrap, state, detail, since);
    }
}
