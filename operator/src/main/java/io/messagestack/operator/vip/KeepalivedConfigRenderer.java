package io.messagestack.operator.vip;

import java.util.List;

/**
 * keepalived.conf for one virtual address. Every node starts as BACKUP with the same priority and nopreempt, so the
 * address moves only when its holder fails, never back and forth. Peers are unicast (cloud and kind networks often
 * drop multicast). The health of the local nginx/HAProxy comes from a {@code track_file} with weight 0, written by
 * the sidecar's start script (0 = up, 1 = down, after two refused connections 0.2 s apart): keepalived sees the
 * change at once (inotify), the holder goes to FAULT and sends a priority-0 advert, and a peer takes over after its
 * skew time (23 ms at priority 250). Not a vrrp_script: on a starved CPU a script run every second times out now and
 * then, and each timeout moved the address (measured on the 2-core lab, see docs/operator.md).
 * Adverts carry a password (VRRPv2 simple authentication, see VrrpAuth): a host on the node network that does not
 * know it cannot take the address with a forged advert, and a VRRP router of another stack using the same router id
 * is ignored instead of fought with.
 */
public final class KeepalivedConfigRenderer {
    /** Replaced by the pod's start script with the peers other than the pod's own node. */
    public static final String PEERS_PLACEHOLDER = "__UNICAST_PEERS__";
    /** Replaced by the pod's start script with the VRRP password (VrrpAuth), which never enters the ConfigMap. */
    public static final String PASSWORD_PLACEHOLDER = "__VRRP_AUTH_PASS__";
    /**
     * The same on every node (with nopreempt nobody takes the address from a healthy holder). High, because a
     * backup that hears the holder's priority-0 advert waits its skew time, (256 - priority) / 256 s, before it
     * takes over: 0.61 s at 100 was the whole time the address was on no node after a failure (test-vip timeline,
     * 612-676 ms in 4 runs); 250 makes it 23 ms. 255 is reserved for the owner of the address.
     */
    static final int PRIORITY = 250;

    private KeepalivedConfigRenderer() {
    }

    public record Settings(String instanceName, String networkInterface, int routerId, String virtualAddress,
                           String stateFile) {
    }

    /** The template with a placeholder for the unicast peers (filled in per node at start). */
    public static String renderTemplate(Settings s) {
        return """
                # Rendered by the MessageStack operator; edits are overwritten.
                global_defs {
                    router_id %1$s
                    vrrp_garp_master_delay 1
                    vrrp_garp_master_refresh 30
                }

                track_file local_service {
                    file "%5$s"
                }

                vrrp_instance %1$s {
                    state BACKUP
                    nopreempt
                    interface %2$s
                    virtual_router_id %3$d
                    priority %7$d
                    advert_int 1
                    authentication {
                        auth_type PASS
                        auth_pass %8$s
                    }
                    unicast_peer {
                %6$s
                    }
                    virtual_ipaddress {
                        %4$s/32 dev %2$s
                    }
                    track_file {
                        local_service weight 0
                    }
                }
                """.formatted(s.instanceName(), s.networkInterface(), s.routerId(), s.virtualAddress(),
                s.stateFile(), PEERS_PLACEHOLDER, PRIORITY, PASSWORD_PLACEHOLDER);
    }

    /** The same substitution the pod's start script does: one peer per line, without the node's own address. */
    public static String withPeers(String template, List<String> peers, String ownAddress) {
        StringBuilder lines = new StringBuilder();
        for (String peer : peers) {
            if (!peer.equals(ownAddress)) {
                lines.append("        ").append(peer).append('\n');
            }
        }
        return template.replace(PEERS_PLACEHOLDER + "\n", lines.toString());
    }

    /** The pod's start script's other substitution: the password from the VRRP Secret. */
    public static String withPassword(String template, String password) {
        return template.replace(PASSWORD_PLACEHOLDER, password);
    }
}
