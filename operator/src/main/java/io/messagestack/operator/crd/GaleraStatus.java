package io.messagestack.operator.crd;

import java.util.List;
import java.util.Objects;

/** The Galera cluster as the database itself reports it (through the galera-agent sidecar). */
public class GaleraStatus {
    public Integer clusterSize;
    public String clusterStatus;
    public Integer syncedNodes;
    /** One row per database node: what full-crash recovery decides on (see docs/dataplane.md). */
    public List<GaleraNodeStatus> nodes;
    /** The last bootstrap the operator requested after a full crash (kept until the next one). */
    public GaleraBootstrapStatus lastBootstrap;

    @Override
    public boolean equals(Object o) {
        return o instanceof GaleraStatus g && Objects.equals(g.clusterSize, clusterSize)
                && Objects.equals(g.clusterStatus, clusterStatus) && Objects.equals(g.syncedNodes, syncedNodes)
                && Objects.equals(g.nodes, nodes) && Objects.equals(g.lastBootstrap, lastBootstrap);
    }

    @Override
    public int hashCode() {
        return Objects.hash(clusterSize, clusterStatus, syncedNodes, nodes, lastBootstrap);
    }
}
