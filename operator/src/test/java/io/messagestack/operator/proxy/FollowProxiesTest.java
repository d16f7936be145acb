package io.messagestack.operator.proxy;

import io.messagestack.operator.proxy.FollowProxies.Decision;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

class FollowProxiesTest {
    /** adopt null and noteHas null: nothing to do; noteHas set: nothing adopted, and why. */
    private record Row(String what, int writer, List<Optional<Map<Integer, Long>>> proxies, Set<Integer> synced,
                       Integer adopt, String noteHas) {
    }

    private static Optional<Map<Integer, Long>> sessions(long db0, long db1, long db2) {
        return Optional.of(Map.of(0, db0, 1, db1, 2, db2));
    }

    private static final Optional<Map<Integer, Long>> NO_ANSWER = Optional.empty();
    private static final Set<Integer> ALL = Set.of(0, 1, 2);

    private static final List<Row> ROWS = List.of(
            new Row("every proxy on the writer: nothing", 0, List.of(sessions(6, 0, 0), sessions(4, 0, 0)), ALL,
                    null, null),
            new Row("after a failover every proxy on node 1: node 1 becomes the writer", 0,
                    List.of(sessions(0, 6, 0), sessions(0, 4, 0)), ALL, 1, null),
            new Row("the old writer still down: the node the proxies write to is adopted", 0,
                    List.of(sessions(0, 0, 5), sessions(0, 0, 3)), Set.of(1, 2), 2, null),
            new Row("one proxy did not answer: not the complete picture", 0, List.of(sessions(0, 6, 0), NO_ANSWER),
                    ALL, null, null),
            new Row("sessions on two nodes: waiting until the proxies agree", 0,
                    List.of(sessions(0, 6, 0), sessions(4, 0, 0)), ALL, null, "more than one"),
            new Row("one proxy with sessions on two nodes: waiting", 0, List.of(sessions(1, 6, 0)), ALL, null,
                    "more than one"),
            new Row("no session anywhere (no API running): nothing", 0, List.of(sessions(0, 0, 0)), ALL, null, null),
            new Row("no proxy pod: nothing", 0, List.of(), ALL, null, null),
            new Row("the node written to is not Synced: the writer stays", 0,
                    List.of(sessions(0, 6, 0), sessions(0, 4, 0)), Set.of(0, 2), null, "not Synced"),
            new Row("a node outside the stack's nodes (not in synced): the writer stays", 1,
                    List.of(Optional.of(Map.of(1, 0L, 3, 5L))), ALL, null, "not Synced"),
            new Row("the writer is 2 and every proxy writes there: nothing", 2,
                    List.of(sessions(0, 0, 6), sessions(0, 0, 4)), ALL, null, null));

    @Test
    void decides() {
        List<String> wrong = new ArrayList<>();
        for (Row r : ROWS) {
            Decision d = FollowProxies.decide(r.writer(), r.proxies(), r.synced());
            boolean ok = Objects.equals(d.adopt(), r.adopt()) && (r.noteHas() == null ? d.note() == null
                    : d.note() != null && d.note().contains(r.noteHas()));
            if (!ok) {
                wrong.add(r.what() + ": got " + d);
            }
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }
}
