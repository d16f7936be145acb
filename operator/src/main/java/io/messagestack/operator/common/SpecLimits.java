package io.messagestack.operator.common;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bounds of every MessageStack spec field, defined once: the CRD annotations (crd/*Spec.java) and the
 * operator's own check (reconcile/SpecValidation) both use these constants, so the API server and the operator
 * refuse the same specs. The reasons are in docs/operator.md ("Bounds").
 */
public final class SpecLimits {
    private SpecLimits() {
    }

    /** Galera: odd, so a majority survives; 9 survives 4 lost nodes, and each node more slows every commit. */
    public static final int DB_REPLICAS_MIN = 3;
    public static final int DB_REPLICAS_MAX = 9;
    /** HAProxy: each keeps its own writer stick table, so more proxies means more ways for writes to split. */
    public static final int PROXY_REPLICAS_MIN = 1;
    public static final int PROXY_REPLICAS_MAX = 7;
    /** message-api: 24 pooled connections each; 12 pods use 288 of the database's 300 max_connections. */
    public static final int API_REPLICAS_MIN = 1;
    public static final int API_REPLICAS_MAX = 12;
    /** nginx serves a static page and proxies /api: 20 pods is more than any node count this stack targets. */
    public static final int FRONTEND_REPLICAS_MIN = 1;
    public static final int FRONTEND_REPLICAS_MAX = 20;

    /** Volume size bounds as quantities: gcache (256M) and the InnoDB files need room; 64Ti is days of SST. */
    public static final String STORAGE_MIN = "1Gi";
    public static final String STORAGE_MAX = "64Ti";

    /**
     * Longest MessageStack name. The longest derived name that has a 63-character limit is the Service
     * {@code <name>-frontend-peers} (15 more characters, a DNS label); the StatefulSet's controller-revision-hash
     * label {@code <name>-db-<hash of up to 10>} needs 49 or less. 63 - 15 = 48.
     */
    public static final int NAME_MAX_LENGTH = 48;
    /** A DNS-1035 label: every Service name derived from it must be one. */
    public static final String NAME_PATTERN = "^[a-z]([-a-z0-9]*[a-z0-9])?$";

    /**
     * An image reference by the OCI distribution grammar: [host[:port]/]path[:tag][@digest]; no spaces, no ';'.
     * Empty is allowed: it means the operator's default image.
     */
    public static final String IMAGE_PATTERN = "^(((([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
            + "(\\.([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\\[[a-fA-F0-9:]+\\])(:[0-9]+)?/)?"
            + "[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*"
            + "(:[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,127})?"
            + "(@[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?)?$";
    public static final int IMAGE_MAX_LENGTH = 512;

    /** A DNS subdomain (StorageClass names are), or empty for the cluster's default. */
    public static final String STORAGE_CLASS_PATTERN = "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$";
    public static final int STORAGE_CLASS_MAX_LENGTH = 253;

    /**
     * spec.monitoring.labels: extra labels of the PodMonitor, for a Prometheus that selects PodMonitors by label
     * (kube-prometheus-stack: its release label). Kubernetes label syntax: an optional prefix (DNS-like, at most 253
     * characters) and '/', a name of at most 63; values of at most 63. The operator's own app.kubernetes.io/ labels
     * are refused (its selectors and the alert rules rely on them). 16 is more than any selector needs.
     */
    public static final int MONITORING_LABELS_MAX = 16;
    public static final int LABEL_VALUE_MAX_LENGTH = 63;
    public static final String LABEL_KEY_PATTERN =
            "^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$";
    public static final String LABEL_VALUE_PATTERN = "^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$";
    public static final String OPERATOR_LABEL_PREFIX = "app.kubernetes.io/";

    /** spec.database.config: at most this many keys, each value at most this long, one line. */
    public static final int CONFIG_MAX_KEYS = 32;
    public static final int CONFIG_MAX_VALUE_LENGTH = 256;
    public static final int CONFIG_MAX_KEY_LENGTH = 64;
    public static final String CONFIG_KEY_PATTERN = "^[a-zA-Z][a-zA-Z0-9_.-]*$";

    /**
     * my.cnf options the data plane owns (galera-agent start and MyCnfRenderer set them; a user's value would break
     * Galera, hide the data or the recovery file from the agent, or run code as the database), in MySQL's
     * normalised spelling (lower case, '_' for '-'). Refused with any of the prefixes MySQL accepts
     * (loose-, skip-, enable-, disable-, maximum-) and as an abbreviation (MariaDB accepts unique prefixes).
     * As one CEL list literal, so the CRD rule and {@link #OWNED_CONFIG_KEYS} cannot drift (a unit test parses it).
     */
    public static final String OWNED_CONFIG_KEYS_CEL = "['datadir', 'socket', 'pid_file', 'port', 'bind_address',"
            + " 'user', 'binlog_format', 'default_storage_engine', 'innodb_autoinc_lock_mode',"
            + " 'innodb_data_home_dir', 'innodb_log_group_home_dir', 'innodb_undo_directory',"
            + " 'wsrep_on', 'wsrep_provider', 'wsrep_provider_options', 'wsrep_cluster_address', 'wsrep_cluster_name',"
            + " 'wsrep_node_name', 'wsrep_node_address', 'wsrep_node_incoming_address', 'wsrep_sst_method',"
            + " 'wsrep_sst_auth', 'wsrep_sst_donor', 'wsrep_sst_receive_address', 'wsrep_start_position',"
            + " 'wsrep_new_cluster', 'wsrep_recover', 'wsrep_notify_cmd', 'wsrep_data_home_dir',"
            + " 'pxc_encrypt_cluster_traffic', 'pxc_strict_mode',"
            + " 'init_file', 'plugin_dir', 'plugin_load', 'plugin_load_add']";

    public static final List<String> OWNED_CONFIG_KEYS = List.of(OWNED_CONFIG_KEYS_CEL
            .replaceAll("[\\[\\]' ]", "").split(","));

    /**
     * The my.cnf settings of point-in-time recovery (docs/pitr.md, from MariaDB's "Using MariaDB GTIDs with MariaDB
     * Galera Cluster"): every node logs every transaction, its own and those applied from its peers, under one GTID
     * that is the same on every node (one replication domain and one server id for the whole cluster). The binary
     * log stays 2 days on each node so that an archiver that was down can catch up; the archive is the long-term
     * copy. Rendered by MyCnfRenderer when spec.backup.pointInTimeRecovery.enabled is true; while it is, these keys
     * are the data plane's and spec.database.config may not set them (in any spelling, see {@link #OPTION_PREFIXES}).
     * gtid_domain_id (per node) is left to the start script.
     */
    public static final Map<String, String> PITR_CONFIG = pitrConfig();

    private static Map<String, String> pitrConfig() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("log_bin", "mysql-bin");
        m.put("log_slave_updates", "ON");
        m.put("wsrep_gtid_mode", "ON");
        m.put("wsrep_gtid_domain_id", "1");
        m.put("server_id", "1");
        m.put("binlog_expire_logs_seconds", "172800");
        return Collections.unmodifiableMap(m);
    }

    /** Prefixes MySQL's option parser strips before it looks the option up. */
    public static final List<String> OPTION_PREFIXES = List.of("loose_", "skip_", "enable_", "disable_", "maximum_");

    /** Resource names a container of the stack may ask for. */
    public static final List<String> RESOURCE_NAMES = List.of("cpu", "memory", "ephemeral-storage");

    // ---- CEL rules shared by the annotations (constant expressions, so annotations can use them) ----

    /** On a resources object (crd/ResourcesSchema): every amount a positive quantity. */
    public static final String RESOURCES_RULE_POSITIVE_CEL = "(!has(self.requests) || ("
            + "(!has(self.requests.cpu) || isQuantity(string(self.requests.cpu))"
            + " && quantity(string(self.requests.cpu)).isGreaterThan(quantity('0')))"
            + " && "
            + "(!has(self.requests.memory) || isQuantity(string(self.requests.memory))"
            + " && quantity(string(self.requests.memory)).isGreaterThan(quantity('0')))"
            + " && "
            + "(!has(self.requests.ephemeral__dash__storage) || isQuantity(string(self.requests.ephemeral__dash__storage))"
            + " && quantity(string(self.requests.ephemeral__dash__storage)).isGreaterThan(quantity('0')))"
            + ")) && (!has(self.limits) || ("
            + "(!has(self.limits.cpu) || isQuantity(string(self.limits.cpu))"
            + " && quantity(string(self.limits.cpu)).isGreaterThan(quantity('0')))"
            + " && "
            + "(!has(self.limits.memory) || isQuantity(string(self.limits.memory))"
            + " && quantity(string(self.limits.memory)).isGreaterThan(quantity('0')))"
            + " && "
            + "(!has(self.limits.ephemeral__dash__storage) || isQuantity(string(self.limits.ephemeral__dash__storage))"
            + " && quantity(string(self.limits.ephemeral__dash__storage)).isGreaterThan(quantity('0')))"
            + "))";

    /** On a resources object (crd/ResourcesSchema): each limit at least its request. */
    public static final String RESOURCES_RULE_LIMITS_CEL = "!has(self.limits) || !has(self.requests) || ("
            + "(!has(self.limits.cpu) || !has(self.requests.cpu)"
            + " || quantity(string(self.limits.cpu)).compareTo(quantity(string(self.requests.cpu))) >= 0)"
            + " && (!has(self.limits.memory) || !has(self.requests.memory)"
            + " || quantity(string(self.limits.memory)).compareTo(quantity(string(self.requests.memory))) >= 0)"
            + " && (!has(self.limits.ephemeral__dash__storage) || !has(self.requests.ephemeral__dash__storage)"
            + " || quantity(string(self.limits.ephemeral__dash__storage))"
            + ".compareTo(quantity(string(self.requests.ephemeral__dash__storage))) >= 0))";

    /** On spec.database.config (a map): no key the data plane owns, under any prefix or abbreviation. */
    public static final String CONFIG_OWNED_KEYS_CEL =
            "self.all(k, [k.lowerAscii().replace('-', '_')].all(n,"
            + " [n.startsWith('loose_') ? n.substring(6) : n].all(m,"
            + " [m.startsWith('skip_') ? m.substring(5) : m.startsWith('enable_') ? m.substring(7)"
            + " : m.startsWith('disable_') ? m.substring(8) : m.startsWith('maximum_') ? m.substring(8) : m].all(s,"
            + " s.size() > 0 && !" + OWNED_CONFIG_KEYS_CEL + ".exists(o, o.startsWith(s))))))";

    /**
     * The keys of {@link #PITR_CONFIG} as one CEL list literal (a unit test checks they are the same), and the rule
     * on spec.database.config while point-in-time recovery is on: the same spellings as {@link #CONFIG_OWNED_KEYS_CEL}.
     */
    public static final String PITR_CONFIG_KEYS_CEL = "['log_bin', 'log_slave_updates', 'wsrep_gtid_mode',"
            + " 'wsrep_gtid_domain_id', 'server_id', 'binlog_expire_logs_seconds']";
    public static final String CONFIG_PITR_KEYS_CEL =
            "self.spec.database.config.all(k, [k.lowerAscii().replace('-', '_')].all(n,"
            + " [n.startsWith('loose_') ? n.substring(6) : n].all(m,"
            + " [m.startsWith('skip_') ? m.substring(5) : m.startsWith('enable_') ? m.substring(7)"
            + " : m.startsWith('disable_') ? m.substring(8) : m.startsWith('maximum_') ? m.substring(8) : m].all(s,"
            + " s.size() > 0 && !" + PITR_CONFIG_KEYS_CEL + ".exists(o, o.startsWith(s))))))";

    /** spec.database.restore.pointInTime: an RFC 3339 date-time (SpecValidation parses it too). */
    public static final String POINT_IN_TIME_PATTERN =
            "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$";
    public static final int POINT_IN_TIME_MAX_LENGTH = 40;

    // ---- spec.backup (issue 14; docs/backup.md) ----

    /** An http(s) URL of an S3 endpoint: scheme, host (DNS name, IPv4 or [IPv6]), optional port, no path or query. */
    public static final String S3_ENDPOINT_PATTERN =
            "^https?://([a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?(\\.[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)*|\\[[0-9a-fA-F:.]+\\])(:[0-9]{1,5})?/?$";
    public static final int S3_ENDPOINT_MAX_LENGTH = 256;
    /** S3 bucket naming rules (3-63 characters, lower case, digits, '.', '-', starting and ending alphanumeric). */
    public static final String S3_BUCKET_PATTERN = "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$";
    /** AWS region names and what other stores accept (us-east-1, garage, ...). */
    public static final String S3_REGION_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
    public static final int S3_REGION_MAX_LENGTH = 32;
    /** A Secret or PVC name: a DNS subdomain. */
    public static final String OBJECT_NAME_PATTERN =
            "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
    public static final int OBJECT_NAME_MAX_LENGTH = 253;
    /** spec.database.restore.location.path: NAMESPACE/STACK/backups/BACKUP (BackupLayout's folder of one backup). */
    public static final String RESTORE_PATH_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-a-z0-9]*[a-z0-9])?"
            + "/backups/[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
    public static final int RESTORE_PATH_MAX_LENGTH = 600;
    /** spec.backup.retention.count: enough for hourly backups over a month and a half. */
    public static final int BACKUP_RETENTION_COUNT_MAX = 1000;
    /** spec.backup.retention.maxAge: a whole number of minutes, hours or days, e.g. 720h or 30d; at most 10 years. */
    public static final String BACKUP_MAX_AGE_PATTERN = "^[1-9][0-9]{0,6}(m|h|d)$";
    public static final long BACKUP_MAX_AGE_MAX_DAYS = 3650;
    /** spec.backup.schedule: the characters and shape a cron expression (or macro) can have; BackupSchedule decides. */
    public static final String BACKUP_SCHEDULE_PATTERN =
            "^(@(hourly|daily|midnight|weekly|monthly)|[0-9*/,-]+( +[0-9*/,-]+){4})$";
}
