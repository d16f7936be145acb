package io.messagestack.operator.database;

import io.messagestack.operator.crd.DatabaseSpec;
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
     * Galera's failure detection, tighter than its defaults (suspect 5 s, inactive 15 s). While a peer is silent
     * but not yet evicted, no write can commit anywhere in the cluster: when a worker stops, the time until the
     * survivors install a view without it is the database's share of the error window (issue 5: at most 3 s).
     * Peers talk over TCP and send a keepalive every 0.5 s when idle, so 2 s of silence is a dead peer or a
     * broken network on a LAN, not a slow one; the survivors must all suspect a peer before it is evicted, and a
     * node evicted by mistake merges back by itself (IST). Galera checks the ranges at start and refuses to run
     * otherwise: keepalive below a third of the suspect timeout ("evs.keepalive_period value PT1S is out of range
     * [PT0.1S,PT0.666667S)" with PT2S), inactive above suspect; the install timeout then defaults to half the
     * inactive timeout (PT2S, seen in wsrep_provider_options of a real MariaDB 10.11 node started with these).
     */
    static final List<String> PROVIDER_OPTIONS = List.of(
            "evs.keepalive_period=PT0.5S",
            "evs.suspect_timeout=PT2S",
            "evs.inactive_timeout=PT4S",
            "gcache.size=256M");

    private MyCnfRenderer() {
    }

    public static String render(String clusterName, DatabaseSpec spec) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("bind-address", "0.0.0.0");
        settings.put("skip-name-resolve", "ON");
        settings.put("default_storage_engine", "InnoDB");
        // Galera requires row-based replication and interleaved auto-increment locks.
        settings.put("binlog_format", "ROW");
        settings.put("innodb_autoinc_lock_mode", "2");
        settings.put("innodb_flush_log_at_trx_commit", "2");
        settings.put("wsrep_on", "ON");
        settings.put("wsrep_cluster_name", clusterName);
        settings.put("wsrep_provider_options", "\"" + String.join(";", PROVIDER_OPTIONS) + "\"");
        settings.put("max_connections", "300");
        if (spec.engine == Engine.PERCONA_XTRADB_CLUSTER) {
            // PXC 8 encrypts cluster traffic by default and then needs certificates that we do not manage.
            settings.put("pxc_encrypt_cluster_traffic", "OFF");
            settings.put("pxc_strict_mode", "ENFORCING");
        }
        // The user's settings last, so they win.
        if (spec.config != null) {
            settings.putAll(spec.config);
        }
        StringBuilder out = new StringBuilder();
        out.append("# Rendered by the MessageStack operator from spec.database; edits are overwritten.\n");
        out.append("[mysqld]\n");
        settings.forEach((k, v) -> out.append(k).append(" = ").append(v).append('\n'));
        return out.toString();
    }
}
