package io.messagestack.operator.proxy;

import io.messagestack.operator.common.Scrape;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * haproxy.cfg for the database: one writer at a time. The writer node (database node 0 unless a switchover moved it,
 * see WriterSwitchover) is the only active server, the others are backups, so concurrent writes never land on two
 * Galera nodes (no certification conflicts). A node counts as up only
 * when its galera-agent answers 200 on /health (Primary and Synced, and not draining), not when it merely accepts TCP.
 * The writer sticks: once traffic moved to a backup it stays there when the old writer returns (no fail-back, which
 * would cut every session a second time).
 */
public final class HaproxyConfigRenderer {
    public static final int HEALTH_PORT = 8404;
    /** HAProxy's built-in Prometheus exporter (Debian's build has it: {@code haproxy -vv} lists PROMEX). */
    public static final int METRICS_PORT = 8405;
    public static final String METRICS_PATH = "/metrics";
    /** The backend of the database servers (its servers are db-0, db-1, ...), as the metrics name it. */
    public static final String BACKEND = "galera";
    /**
     * A new proxy is not ready before its first checks have had time to answer or time out: a check every 1 s,
     * {@code timeout check 1s}, and HAProxy's clock in whole seconds.
     */
    static final int FIRST_CHECKS_SECONDS = 3;
    /** How long a new proxy waits for the writer before it serves from a backup (the writer is down for real). */
    static final int WRITER_WAIT_SECONDS = 15;

    private HaproxyConfigRenderer() {
    }

    /** The active server's line: {@code server db-N <host>:<port>} without {@code backup}. */
    private static final Pattern ACTIVE_SERVER = Pattern.compile("(?m)^\\s*server db-(\\d+) \\S+(?<! backup)$");

    /** The first database node is the writer (a new stack, or no switchover yet). */
    public static String render(List<String> databaseHosts, int mysqlPort, int agentPort) {
        return render(databaseHosts, mysqlPort, agentPort, 0);
    }

    /**
     * @param databaseHosts DNS names of the database pods, in ordinal order
     * @param mysqlPort     port of the database servers
     * @param agentPort     port of the galera-agent health endpoint
     * @param writer        ordinal of the writer node: the only server without {@code backup}. When it goes down,
     *                      HAProxy takes the first backup that is up, in ordinal order.
     */
    public static String render(List<String> databaseHosts, int mysqlPort, int agentPort, int writer) {
        if (writer < 0 || writer >= databaseHosts.size()) {
            throw new IllegalArgumentException("writer db-" + writer + " is not one of the " + databaseHosts.size()
                    + " servers");
        }
        StringBuilder out = new StringBuilder();
        out.append("""
                # Rendered by the MessageStack operator; edits are overwritten.
                global
                    log stdout format raw local0 info
                    maxconn 4096
                    # When this process started (epoch seconds): the readiness below waits for the first checks.
                    set-var proc.started date()

                # Pod IPs change when a database pod restarts: re-resolve the pod names through the cluster DNS.
                resolvers cluster
                    parse-resolv-conf
                    resolve_retries 3
                    timeout resolve 1s
                    timeout retry 1s
                    hold valid 5s
                    hold nx 5s
                    hold other 5s
                    hold refused 5s
                    hold timeout 5s
                    hold obsolete 5s

                defaults
                    log global
                    mode tcp
                    option tcplog
                    option dontlognull
                    # In-cluster connects take milliseconds; a node that does not answer within 1 s is skipped: one
                    # retry, then another server (redispatch), before the application's own 1 s connect timeout.
                    timeout connect 1s
                    retries 1
                    option redispatch
                    # Application connections are pooled and long-lived.
                    timeout client 1h
                    timeout server 1h
                    timeout check 1s

                # Readiness of this proxy: healthy only while at least one database node is usable. A new proxy also
                # waits until it can send the writes to the writer: its first connection picks the server it sticks
                # to, and every server counts as up until its first check. A first check can fail on a node that
                # is fine (a new pod's first packets wait for the network policy), and a proxy that took traffic
                # then would stick to a backup for good while the other proxies write to the writer. So: not ready
                # for its first %d s (the first checks have answered or timed out), then not before the writer is
                # up or writes have a place already, unless the writer stays down for %d s (it is down for real).
                frontend health
                    mode http
                    bind :%d
                    acl usable nbsrv(galera) ge 1
                    acl checked date,sub(proc.started) ge %d
                    acl writer_up srv_is_up(galera/db-%d)
                    acl writes_placed table_cnt(galera) gt 0
                    acl writer_wait_over date,sub(proc.started) ge %d
                    monitor-uri /healthz
                    monitor fail if !usable || !checked || !writer_up !writes_placed !writer_wait_over

                # Prometheus metrics for in-cluster scrapers (docs/observability.md): the NetworkPolicy admits only the
                # scraper pods; the source check also covers a proxy on the host network (VIP on), which no policy reaches.
                frontend metrics
                    mode http
                    bind :%d
                    http-request set-log-level silent
                    http-request deny unless { src %s }
                    http-request use-service prometheus-exporter if { path %s }
                    http-request return status 404

                frontend mysql
                    bind :%d
                    default_backend galera

                backend galera
                    option httpchk GET /health
                    http-check expect status 200
                    # The writer sticks (one entry, keyed on this proxy's own address): a node that comes back does not
                    # take the writes back. Only when the current writer goes down is a new one chosen: the active
                    # server (the writer node chosen by the operator) if it is up, else the first backup that is up. A draining node (its pod is stopping) answers
                    # 503, so a graceful stop moves the writer before the server shuts down.
                    stick-table type ip size 1
                    stick on dst
                    # Down after two failed checks 0.5 s apart (1 s between checks while up); kill the sessions of a
                    # node marked down so clients reconnect to the new writer at once.
                    default-server check port %d inter 1s fastinter 500ms downinter 2s rise 2 fall 2 on-marked-down shutdown-sessions resolvers cluster init-addr last,libc,none
                """.formatted(FIRST_CHECKS_SECONDS, WRITER_WAIT_SECONDS, HEALTH_PORT, FIRST_CHECKS_SECONDS, writer,
                WRITER_WAIT_SECONDS, METRICS_PORT, String.join(" ", Scrape.PRIVATE_SOURCES), METRICS_PATH, mysqlPort,
                agentPort));
        for (int i = 0; i < databaseHosts.size(); i++) {
            out.append("    server db-").append(i).append(' ').append(databaseHosts.get(i)).append(':').append(mysqlPort);
            if (i != writer) {
                out.append(" backup");
            }
            out.append('\n');
        }
        return out.toString();
    }

    /** The writer node a rendered haproxy.cfg names (its one active server), empty when it names none or several. */
    public static Optional<Integer> writerOf(String cfg) {
        if (cfg == null) {
            return Optional.empty();
        }
        Matcher m = ACTIVE_SERVER.matcher(cfg);
        Integer found = null;
        while (m.find()) {
            if (found != null) {
                return Optional.empty();
            }
            found = Integer.parseInt(m.group(1));
        }
        return Optional.ofNullable(found);
    }
}
