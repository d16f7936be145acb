package io.messagestack.operator.proxy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The writer follows HAProxy after an unplanned failover. When the writer's node fails its checks, every HAProxy pod
 * moves the writes to the first backup that is up and sticks there (no fail-back); haproxy.cfg still names the old
 * node as the active server. Then status.writer is untrue, the operator's planned moves (rolling change, scale-down,
 * drain, backup node choice) start from the wrong node, and a proxy pod that starts later (no stick entry) sends the
 * writes to the old node again while the others stay on the new one: writes on two nodes. So when every proxy pod
 * that runs the current haproxy.cfg sends all the application's sessions to one other node, and that node is Synced,
 * that node becomes the writer the operator renders (reason Failover): the proxies roll onto a config that names the
 * node they already write to, and no write moves. Anything less than that complete picture (a proxy that did not
 * answer, sessions on two nodes, no sessions at all, the node not Synced) changes nothing. Pure (FollowProxiesTest).
 */
public final class FollowProxies {
    private FollowProxies() {
    }

    /**
     * @param adopt the node to render as the writer now, or null
     * @param note  what was seen when nothing is adopted though the proxies do not all write to the writer, or null
     */
    public record Decision(Integer adopt, String note) {
        static final Decision NOTHING = new Decision(null, null);
    }

    /**
     * @param writer  the writer ordinal haproxy.cfg names
     * @param proxies each Ready proxy pod running the current haproxy.cfg: its sessions by database ordinal, empty when
     *                it did not answer
     * @param synced  ordinals of the database nodes that are Ready and Synced members of the Primary component
     */
    public static Decision decide(int writer, List<Optional<Map<Integer, Long>>> proxies, Set<Integer> synced) {
        if (proxies.isEmpty()) {
            return Decision.NOTHING;
        }
        Set<Integer> withSessions = new TreeSet<>();
        for (Optional<Map<Integer, Long>> p : proxies) {
            if (p.isEmpty()) {
                return Decision.NOTHING; // one proxy's view is missing: not the complete picture
            }
            p.get().forEach((ordinal, sessions) -> {
                if (sessions != null && sessions > 0) {
                    withSessions.add(ordinal);
                }
            });
        }
        if (withSessions.isEmpty() || withSessions.equals(Set.of(writer))) {
            return Decision.NOTHING;
        }
        if (withSessions.size() > 1) {
            return new Decision(null, "the proxies send the application's sessions to more than one database node "
                    + withSessions + " (writer " + writer + "); waiting until they agree");
        }
        int node = withSessions.iterator().next();
        if (!synced.contains(node)) {
            return new Decision(null, "the proxies send every session to node " + node + ", which is not Synced;"
                    + " the writer stays " + writer);
        }
        return new Decision(node, null);
    }
}
