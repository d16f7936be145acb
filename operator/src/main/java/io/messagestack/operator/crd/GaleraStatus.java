package io.messagestack.operator.crd;

import java.util.Objects;

/** The Galera cluster as the database itself reports it (through the galera-agent sidecar). */
public class GaleraStatus {
    public Integer clusterSize;
    public String clusterStatus;
    public Integer syncedNodes;

    @Override
    public boolean equals(Object o) {
        return o instanceof GaleraStatus g && Objects.equals(g.clusterSize, clusterSize)
                && Objects.equals(g.clusterStatus, clusterStatus) && Objects.equals(g.syncedNodes, syncedNodes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(clusterSize, clusterStatus, syncedNodes);
    }
}
