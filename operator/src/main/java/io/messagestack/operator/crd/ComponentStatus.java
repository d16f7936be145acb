package io.messagestack.operator.crd;

/** Ready and desired pod counts of one component. */
public class ComponentStatus {
    public int ready;
    public int desired;

    public ComponentStatus() {
    }

    public ComponentStatus(int ready, int desired) {
        this.ready = ready;
        this.desired = desired;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ComponentStatus c && c.ready == ready && c.desired == desired;
    }

    @Override
    public int hashCode() {
        return 31 * ready + desired;
    }
}
