package io.messagestack.operator.crd;

import java.util.Objects;

/** One switchover request (annotation messagestack.io/switchover-to) and the operator's answer. */
public class SwitchoverRequestStatus {
    /** The annotation's value, as given. */
    public String target;
    /** Switched or Refused. */
    public String outcome;
    /** The decision's reason, e.g. SwitchoverTargetNotSynced. */
    public String reason;
    public String message;
    public String time;

    @Override
    public boolean equals(Object o) {
        return o instanceof SwitchoverRequestStatus r && Objects.equals(r.target, target)
                && Objects.equals(r.outcome, outcome) && Objects.equals(r.reason, reason)
                && Objects.equals(r.message, message) && Objects.equals(r.time, time);
    }

    @Override
    public int hashCode() {
        return Objects.hash(target, outcome, reason, message, time);
    }
}
