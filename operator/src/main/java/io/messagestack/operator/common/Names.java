package io.messagestack.operator.common;

/** Names of the objects of one stack (see docs/architecture.md, "Runtime contracts"). */
public record Names(String stack) {
    public String dbStatefulSet() { return stack + "-db"; }
    public String dbClientService() { return stack + "-db"; }
    public String dbPeerService() { return stack + "-db-peers"; }
    public String dbConfig() { return stack + "-db-config"; }
    public String dbScripts() { return stack + "-db-scripts"; }
    public String dbCredentials() { return stack + "-db-credentials"; }
    public String dbCredentialsInternal() { return stack + "-db-credentials-internal"; }
    public String dbAgentToken() { return stack + "-db-agent-token"; }
    public String vrrpAuth() { return stack + "-vrrp-auth"; }
    public String dbPdb() { return stack + "-db"; }
    /** The budget that keeps HAProxy's writer (and a previous writer while the proxies move) from eviction. */
    public String dbWriterPdb() { return stack + "-db-writer"; }
    public String proxy() { return stack + "-proxy"; }
    public String proxyConfig() { return stack + "-proxy-config"; }
    public String api() { return stack + "-api"; }
    public String apiPods() { return stack + "-api-pods"; }
    public String frontend() { return stack + "-frontend"; }
    public String frontendConfig() { return stack + "-frontend-config"; }
    public String frontendPage() { return stack + "-frontend-page"; }
    public String vipConfig() { return stack + "-vip-config"; }
    public String networkPolicy(String component) { return stack + "-" + component; }
    /** The stack's PodMonitor (spec.monitoring with the Prometheus Operator installed). */
    public String podMonitor() { return stack + "-metrics"; }
    public String binlogArchiver() { return stack + "-binlog-archiver"; }

    /** DNS name of one database pod through the headless peer Service. */
    public String dbPodHost(int ordinal, String namespace, String clusterDomain) {
        return dbStatefulSet() + "-" + ordinal + "." + dbPeerService() + "." + namespace + ".svc." + clusterDomain;
    }
}
