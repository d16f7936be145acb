package io.messagestack.operator.database;

import io.messagestack.operator.common.SpecLimits;
import io.messagestack.operator.crd.DatabaseSpec;
import io.messagestack.operator.crd.Durability;
import io.messagestack.operator.crd.Engine;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The [mysqld] settings shared by every node. Per-node settings (node address, cluster address, provider path,
 * SST method) are added by the start script, which knows the pod and the image.
 */
public final class MyCnfRenderer {
    /**
     * Galera's failure detection at its documented defaults: a silent peer is suspected after 5 s and dropped after
     * 15 s (keepalive 1 s, install timeout 7.5 s). Shorter timeouts shorten the write stall when a node dies, but
     * measured here (scale-db-3-5-3, 2026-11-25 17:54 UTC) suspect 2 s / inactive 4 s (install then 2 s) made the
     * view change of a 5 -> 3 scale-down fail ("failed to commit for install message, declaring inactive") and the
     * three remaining nodes lost the Primary component. Change these only together with that scenario.
     *
     * <p>The two retransmission periods are shortened instead (0.2 s, Galera's minimum is 0.1 s): every membership
     * change (a node joining, leaving on a scale-down or a rolling restart) stops all commits until the new view is
     * installed, and its steps advance on these timers when the group is otherwise quiet: join messages are resent
     * every {@code evs.join_retrans_period} until the nodes agree, and the Primary component's state exchange waits for
     * keepalives ({@code evs.keepalive_period}) to learn that every node has its messages. At the 1 s defaults a join
     * took 2.5 s from the joiner's connect to the new primary view on the kind lab (scale-db-3-5-3, 2026-12-07 15:57:05
     * -> 15:57:08), longer than the careful client's 2 s timeout. Neither period decides when a node is suspected.
     */
    static final List<String> PROVIDER_OPTIONS = List.of(
            "evs.suspect_timeout=PT5S",
            "evs.inactive_timeout=PT15S",
            "evs.keepalive_period=PT0.2S",
            "evs.join_retrans_period=PT0.2S",
            "gcache.size=256M");

    /**
     * MariaDB's extra port: a second SQL port whose connections are counted against {@link #EXTRA_MAX_CONNECTIONS}, not
     * max_connections, so the node's own galera-agent (its /health, /state and /metrics) still logs in when the
     * application's connections fill max_connections. Measured on the kind lab (flow-control run, 2026-12-07): commits
     * stalled by flow control filled the writer's max_connections, its agent could not log in, /health answered 503
     * and HAProxy moved the writer. The agent reaches it on 127.0.0.1 only: the monitor user exists only for local
     * hosts, and the database NetworkPolicy admits no other pod to this port (NetworkPolicies). It works without the
     * thread pool (one thread per connection; hack/dataplane/test-connection-limit.sh). MariaDB only: Percona XtraDB
     * Cluster has no extra_port.
     */
    public static final int EXTRA_PORT = 3307;
    /** The agent opens at most 2 connections (galera-agent wsrep.go); 2 spare ones for a person with the monitor user. */
    static final int EXTRA_MAX_CONNECTIONS = 4;

    private MyCnfRenderer() {
    }

    /**
     * Strict (the default): InnoDB flushes its redo log at every commit, and the binlog is synced at every commit
     * wherever binlogs are on (PXC 8.0 has them on by default; MariaDB when a user turns log_bin on; sync_binlog
     * does nothing while they are off). Galera replicates a commit to every node before it is acknowledged, so a
     * crash of some nodes loses nothing either way; what flushing protects against is a power loss of every node at
     * once (a rack, a zone, the one host of a lab), where the page cache of every node is lost. Relaxed trades that
     * for throughput (measured in docs/benchmarks.md).
     */
    static Map<String, String> durability(Durability durability) {
        Map<String, String> settings = new LinkedHashMap<>();
        if (durability == Durability.RELAXED) {
            settings.put("innodb_flush_log_at_trx_commit", "2");
            settings.put("sync_binlog", "0");
        } else {
            settings.put("innodb_flush_log_at_trx_commit", "1");
            settings.put("sync_binlog", "1");
        }
        return settings;
    }

    public static String render(String clusterName, DatabaseSpec spec) {
        return render(clusterName, spec, false);
    }

    /**
     * With {@code pointInTimeRecovery} (spec.backup.pointInTimeRecovery.enabled) every node writes a binary log that
     * holds the whole cluster's transactions under the same GTIDs ({@link SpecLimits#PITR_CONFIG}, docs/pitr.md).
     * Those settings come after the user's, so that nothing in spec.database.config can turn them off (SpecValidation
     * refuses such a config with the field named; this is the second guard). MariaDB Galera only.
     */
    public static String render(String clusterName, DatabaseSpec spec, boolean pointInTimeRecovery) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("bind-address", "0.0.0.0");
        settings.put("skip-name-resolve", "ON");
        settings.put("default_storage_engine", "InnoDB");
        // Galera requires row-based replication and interleaved auto-increment locks.
        settings.put("binlog_format", "ROW");
        settings.put("innodb_autoinc_lock_mode", "2");
        settings.putAll(durability(spec.durability));
        settings.put("wsrep_on", "ON");
        settings.put("wsrep_cluster_name", clusterName);
        settings.put("wsrep_provider_options", "\"" + String.join(";", PROVIDER_OPTIONS) + "\"");
        settings.put("max_connections", "300");
        if (spec.engine == Engine.MARIADB_GALERA) {
            settings.put("extra_max_connections", Integer.toString(EXTRA_MAX_CONNECTIONS));
        }
        if (spec.engine == Engine.PERCONA_XTRADB_CLUSTER) {
            // PXC 8 encrypts cluster traffic by default and then needs certificates that we do not manage.
            settings.put("pxc_encrypt_cluster_traffic", "OFF");
            settings.put("pxc_strict_mode", "ENFORCING");
        }
        // The user's settings last, so they win.
        if (spec.config != null) {
            settings.putAll(spec.config);
        }
        // MariaDB's settings (wsrep_gtid_mode does not exist in Percona XtraDB Cluster, which would not start with
        // it); PITR is built for MariaDB Galera only.
        if (pointInTimeRecovery && spec.engine == Engine.MARIADB_GALERA) {
            settings.putAll(SpecLimits.PITR_CONFIG);
        }
        if (spec.engine == Engine.MARIADB_GALERA) {
            // After the user's settings: the agent's container is told this port (DatabaseCluster).
            settings.put("extra_port", Integer.toString(EXTRA_PORT));
        }
        StringBuilder out = new StringBuilder();
        out.append("# Rendered by the MessageStack operator from spec.database; edits are overwritten.\n");
        out.append("[mysqld]\n");
        settings.forEach((k, v) -> out.append(k).append(" = ").append(v).append('\n'));
        return out.toString();
    }
}
