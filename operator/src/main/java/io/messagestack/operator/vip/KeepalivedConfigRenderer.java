package io.messagestack.operator.vip;

import java.util.List;

/**
 * keepalived.conf for one virtual address. Every node starts as BACKUP with the same priority and nopreempt, so the
 * address moves only when its holder fails, never back and forth. Peers are unicast (cloud and kind networks often
 * drop multicast). The track script fails when the local nginx/haproxy stops answering, and the address leaves:
 * the check runs every second and fails at the first failed run (the script itself retries once after 0.3 s), the
 * holder then goes to FAULT and sends a priority-0 advert, and a peer takes over after its skew time (0.6 s at
 * advert_int 1). Measured on kind: about 2 s from the kill to the address on another node (docs/operator.md).
 */
public final class KeepalivedConfigRenderer {
    /** Replaced by the pod's start script with the peers other than the pod's own node. */
    public static final String PEERS_PLACEHOLDER = "__UNICAST_PEERS__";

    private KeepalivedConfigRenderer() {
    }

    public record Settings(String instanceName, String networkInterface, int routerId, String virtualAddress,
                           String checkCommand) {
    }

    /** The template with a placeholder for the unicast peers (filled in per node at start). */
    public static String renderTemplate(Settings s) {
        return """
                # Rendered by the MessageStack operator; edits are overwritten.
                global_defs {
                    router_id %1$s
                    enable_script_security
                    script_user root
                    vrrp_garp_master_delay 1
                    vrrp_garp_master_refresh 30
                }

                vrrp_script check_local_service {
                    script "%5$s"
                    interval 1
                    timeout 1
                    fall 1
                    rise 2
                }

                vrrp_instance %1$s {
                    state BACKUP
                    nopreempt
                    interface %2$s
                    virtual_router_id %3$d
                    priority 100
                    advert_int 1
                    unicast_peer {
                %6$s
                    }
                    virtual_ipaddress {
                        %4$s/32 dev %2$s
                    }
                    track_script {
                        check_local_service
                    }
                }
                """.formatted(s.instanceName(), s.networkInterface(), s.routerId(), s.virtualAddress(),
                s.checkCommand(), PEERS_PLACEHOLDER);
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
}
