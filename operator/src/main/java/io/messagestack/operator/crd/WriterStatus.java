package io.messagestack.operator.crd;

import java.util.Objects;

/**
 * Which database node HAProxy sends the writes to, and why it is that one. It is the node the operator rendered as
 * the one active server of haproxy.cfg; while that node is down HAProxy writes to the first backup that is up, and
 * sticks there until that one goes down too (docs/dataplane.md).
 */
public class WriterStatus {
    /** Initial: database node 0, no switchover yet. */
    public static final String INITIAL = "Initial";
    /** A person asked for it (annotation messagestack.io/switchover-to). */
    public static final String SWITCHOVER = "Switchover";
    /** The operator moved it off a node that a scale-down removes. */
    public static final String SCALE_DOWN = "ScaleDown";
    /** The operator moved it off a node that a rolling change of the database pods restarts. */
    public static final String ROLLING_UPDATE = "RollingUpdate";
    /** The operator moved it off a node that is cordoned (a drain evicts its pod next). */
    public static final String NODE_DRAIN = "NodeDrain";
    /** HAProxy moved the writes to it when the writer failed its checks; the operator made that the rendered writer. */
    public static final String FAILOVER = "Failover";

    /** The writer's pod, e.g. demo-db-1. */
    public String pod;
    /** Why it is the writer: Initial, Switchover, ScaleDown, RollingUpdate, NodeDrain or Failover. */
    public String reason;
    public String message;
    /** When it became the writer (when the operator rendered it into haproxy.cfg). */
    public String since;
    /** The last switchover request (annotation) and what became of it. */
    public SwitchoverRequestStatus lastRequest;

    @Override
    public boolean equals(Object o) {
        return o instanceof WriterStatus w && Objects.equals(w.pod, pod) && Objects.equals(w.reason, reason)
                && Objects.equals(w.message, message) && Objects.equals(w.since, since)
                && Objects.equals(w.lastRequest, lastRequest);
    }

    @Override
    public int hashCode() {
        return Objects.hash(pod, reason, message, since, lastRequest);
    }
}
