package io.messagestack.operator.database;

import io.messagestack.operator.crd.DatabaseSpec;
import io.messagestack.operator.crd.Engine;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The [mysqld] settings shared by every node. Per-node settings (node address, cluster address, provider path,
 * SST method) are added by the start script, which knows the pod and the image.
 */
public final class MyCnfRenderer {
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
        // Galera's failure detection: declare a silent peer suspect after 5 s (documented defaults).
        settings.put("wsrep_provider_options", "\"evs.suspect_timeout=PT5S;evs.inactive_timeout=PT15S;gcache.size=256M\"");
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
