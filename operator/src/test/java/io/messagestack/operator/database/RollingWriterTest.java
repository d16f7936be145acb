package io.messagestack.operator.database;

import io.messagestack.operator.database.RollingWriter.Node;
import io.messagestack.operator.database.RollingWriter.Plan;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertTrue;

class RollingWriterTest {
    private record Row(String what, int writer, boolean known, List<Node> nodes, boolean proxiesOnWriter,
                       int partition, Integer moveTo, String waitingHas) {
    }

    /** Node states as a string, one letter per ordinal: U updated+Synced, u updated not Synced, O old+Synced, o old not Synced, - no pod. */
    private static List<Node> nodes(String states) {
        List<Node> out = new ArrayList<>();
        for (int i = 0; i < states.length(); i++) {
            char c = states.charAt(i);
            if (c != '-') {
                out.add(new Node(i, c == 'U' || c == 'u', c == 'U' || c == 'O'));
            }
        }
        return out;
    }

    private static final List<Row> ROWS = List.of(
            new Row("steady state: the writer (0) and the nodes below it are held for the next change", 0, true,
                    nodes("UUU"), true, 1, null, null),
            new Row("steady state, writer 2", 2, true, nodes("UUU"), true, 3, null, null),
            new Row("the controller has not seen the spec yet: hold", 0, false, nodes("OOO"), true, 1, null, null),
            new Row("a change: the nodes above the writer roll first", 0, true, nodes("OOO"), true, 1, null, null),
            new Row("node 2 rolled, node 1 rolling: hold", 0, true, nodes("OoU"), true, 1, null, null),
            new Row("node 1 restarting (no pod): hold", 0, true, nodes("O-U"), true, 1, null, null),
            new Row("every node above the writer rolled and Synced: move the writer to the lowest", 0, true,
                    nodes("OUU"), true, 1, 1, null),
            new Row("the writer moved to 1 (updated), proxies still rolling: hold", 1, true, nodes("OUU"), false,
                    2, null, "every proxy pod"),
            new Row("the proxies write to 1: open the partition, node 0 rolls", 1, true, nodes("OUU"), true, 0, null,
                    null),
            new Row("writer on the highest node: no node above it, move to the lowest Synced one first", 2, true,
                    nodes("OOO"), true, 3, 0, null),
            new Row("then writer 0 held while 1 and 2 roll", 0, true, nodes("OOU"), true, 1, null, null),
            new Row("writer 1, node 2 rolled: move to 2", 1, true, nodes("OOU"), true, 2, 2, null),
            new Row("the writer is not Synced (HAProxy moved away): nothing held", 0, true, nodes("oOU"), true, 0,
                    null, null),
            new Row("the writer's pod is gone: nothing held", 0, true, nodes("-UU"), true, 0, null, null),
            new Row("no other Synced node: wait with the reason", 2, true, nodes("ooO"), true, 3, null,
                    "waiting for a Synced node"),
            new Row("a writer beyond the StatefulSet (scale-down in progress): nothing held", 4, true, nodes("UUU"),
                    true, 0, null, null));

    @Test
    void eachRowHoldsMovesOrReleases() {
        List<String> failures = new ArrayList<>();
        for (Row row : ROWS) {
            Plan p = RollingWriter.plan(row.writer(), 3, row.known(), row.nodes(), row.proxiesOnWriter());
            boolean waitingOk = row.waitingHas() == null ? p.waiting() == null
                    : p.waiting() != null && p.waiting().contains(row.waitingHas());
            if (p.partition() != row.partition() || !Objects.equals(p.moveTo(), row.moveTo()) || !waitingOk) {
                failures.add(row.what() + ": got " + p + ", expected partition " + row.partition() + " moveTo "
                        + row.moveTo() + " waiting~" + row.waitingHas());
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }
}
