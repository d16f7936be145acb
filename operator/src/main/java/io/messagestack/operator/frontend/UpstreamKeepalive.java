package io.messagestack.operator.frontend;

import io.fabric8.kubernetes.api.model.Sysctl;
import io.fabric8.kubernetes.api.model.SysctlBuilder;

import java.util.List;

/**
 * How soon nginx notices that the API pod holding one of its requests is gone without a word (its node stopped):
 * nginx's upstream sockets have TCP keep-alive on ({@code proxy_socket_keepalive}) and the pod's own network
 * namespace probes a connection after {@link #IDLE_SECONDS} of silence, every {@link #INTERVAL_SECONDS}, and gives
 * up after {@link #PROBES} unanswered probes. A request the dead pod had received then fails after about 3 s and
 * nginx sends it to another pod (if it may: idempotent or keyed, see nginx.conf), where nginx's 12 s read timeout
 * would have left the client waiting past its own timeout. A live pod's kernel answers the probes even while the
 * API is busy, so a slow answer is not cut. These are namespaced sysctls Kubernetes counts as safe (1.29+); on the
 * host network (spec.vip) they would be the node's, so ContainerSecurity#frontendPod leaves them out there and the
 * node's defaults (two hours) apply.
 */
public final class UpstreamKeepalive {
    public static final int IDLE_SECONDS = 1;
    public static final int INTERVAL_SECONDS = 1;
    public static final int PROBES = 2;

    private UpstreamKeepalive() {
    }

    public static List<Sysctl> sysctls() {
        return List.of(
                sysctl("net.ipv4.tcp_keepalive_time", IDLE_SECONDS),
                sysctl("net.ipv4.tcp_keepalive_intvl", INTERVAL_SECONDS),
                sysctl("net.ipv4.tcp_keepalive_probes", PROBES));
    }

    private static Sysctl sysctl(String name, int value) {
        return new SysctlBuilder().withName(name).withValue(Integer.toString(value)).build();
    }
}
