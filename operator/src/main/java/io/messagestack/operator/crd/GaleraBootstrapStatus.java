package io.messagestack.operator.crd;

import java.util.Objects;

/** The last bootstrap the operator requested after a full crash: which node, from which position, and why. */
public class GaleraBootstrapStatus {
    public String pod;
    public String uuid;
    public Long seqno;
    /** True when a person chose the node with the messagestack.io/force-bootstrap annotation. */
    public boolean forced;
    /** The annotation's value when forced. */
    public String forcedBy;
    /** Why this node (the decision's message). */
    public String reason;
    public String time;

    @Override
    public boolean equals(Object o) {
        return o instanceof GaleraBootstrapStatus g && Objects.equals(g.pod, pod) && Objects.equals(g.uuid, uuid)
                && Objects.equals(g.seqno, seqno) && g.forced == forced && Objects.equals(g.forcedBy, forcedBy)
                && Objects.equals(g.reason, reason) && Objects.equals(g.time, time);
    }

    @Override
    public int hashCode() {
        return Objects.hash(pod, uuid, seqno, forced, forcedBy, reason, time);
    }
}
