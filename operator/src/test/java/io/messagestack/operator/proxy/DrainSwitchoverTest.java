package io.messagestack.operator.proxy;

import io.messagestack.operator.proxy.DrainSwitchover.Decision;
import io.messagestack.operator.proxy.DrainSwitchover.Node;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertTrue;

class DrainSwitchoverTest {
    /** moveTo null and waitingHas null: nothing to do; waitingHas set: the writer stays and the status says why. */
    private record Row(String what, int writer, boolean proxiesOnWriter, List<Node> nodes, Integer moveTo,
                       String waitingHas) {
    }

    private static Node up(int ordinal) {
        return new Node(ordinal, true, false);
    }

    private static Node cordoned(int ordinal) {
        return new Node(ordinal, true, true);
    }

    private static Node downOnCordoned(int ordinal) {
        return new Node(ordinal, false, true);
    }

    private static Node down(int ordinal) {
        return new Node(ordinal, false, false);
    }

    private static final List<Row> ROWS = List.of(
            new Row("no node cordoned: the writer stays", 0, true, List.of(up(0), up(1), up(2)), null, null),
            new Row("another node cordoned, not the writer's: stays", 0, true, List.of(up(0), cordoned(1), up(2)),
                    null, null),
            new Row("the writer's node cordoned: the lowest Synced node elsewhere", 0, true,
                    List.of(cordoned(0), up(1), up(2)), 1, null),
            new Row("writer 1 cordoned: back to 0", 1, true, List.of(up(0), cordoned(1), up(2)), 0, null),
            new Row("never to a node on a cordoned node (two cordoned)", 0, true,
                    List.of(cordoned(0), cordoned(1), up(2)), 2, null),
            new Row("never to a node that is not Synced", 0, true, List.of(cordoned(0), down(1), up(2)), 2, null),
            new Row("nowhere to go: the writer stays, the drain waits on its budget", 0, true,
                    List.of(cordoned(0), down(1), cordoned(2)), null, "no other Synced"),
            new Row("a one-node stack: nowhere to go", 0, true, List.of(cordoned(0)), null, "no other Synced"),
            new Row("the last move is still rolling out: wait, no second move", 1, false,
                    List.of(up(0), cordoned(1), up(2)), null, "last writer move"),
            new Row("a writer that is not Synced serves nothing (HAProxy failed over): nothing to do", 0, true,
                    List.of(downOnCordoned(0), up(1), up(2)), null, null),
            new Row("the writer has no pod: nothing to do", 0, true, List.of(up(1), up(2)), null, null));

    @Test
    void eachRowMovesWaitsOrLeavesTheWriter() {
        List<String> failures = new ArrayList<>();
        for (Row row : ROWS) {
            Decision d = DrainSwitchover.decide(row.writer(), row.proxiesOnWriter(), row.nodes());
            boolean waitingOk = row.waitingHas() == null ? d.waiting() == null
                    : d.waiting() != null && d.waiting().contains(row.waitingHas());
            if (!Objects.equals(d.moveTo(), row.moveTo()) || !waitingOk) {
                failures.add(row.what() + ": got " + d + ", expected moveTo " + row.moveTo() + " waiting containing "
                        + row.waitingHas());
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }
}
