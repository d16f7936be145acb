package io.messagestack.operator.common;

/** Component names, used in labels and object names. */
public final class Components {
    public static final String DATABASE = "database";
    public static final String PROXY = "proxy";
    public static final String API = "api";
    public static final String FRONTEND = "frontend";
    public static final String VIP = "vip";
    public static final String CREDENTIALS = "credentials";
    public static final String NETWORK = "network";
    /** The Jobs that take physical backups (galera-agent backup). */
    public static final String BACKUP = "backup";
    /** The PodMonitor of a stack (spec.monitoring). */
    public static final String MONITORING = "monitoring";
    /** The binary log archiver of point-in-time recovery (galera-agent binlog-archive, one pod per stack). */
    public static final String BINLOG_ARCHIVER = "binlog-archiver";

    private Components() {
    }
}
