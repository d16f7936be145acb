package io.messagestack.operator.backup;

import io.messagestack.operator.backup.BackupNodeChoice.Node;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

class BackupNodeChoiceTest {
    private record Row(String what, int replicas, List<Node> nodes, String chosen, String reasonHas,
                       String writer) {
        Row(String what, int replicas, List<Node> nodes, String chosen, String reasonHas) {
            this(what, replicas, nodes, chosen, reasonHas, null);
        }
    }

    private static Node n(int ordinal, boolean ready) {
        return new Node("shop-db-" + ordinal, ordinal, ready, "node-" + ordinal);
    }

    private static Node cordoned(int ordinal) {
        return new Node("shop-db-" + ordinal, ordinal, true, "node-" + ordinal, false);
    }

    private static final List<Row> ROWS = List.of(
            new Row("three Synced: the highest ordinal, never the writer (0)", 3,
                    List.of(n(0, true), n(1, true), n(2, true)), "shop-db-2", "writer is taken to be shop-db-0"),
            new Row("listing order does not matter", 3,
                    List.of(n(2, true), n(0, true), n(1, true)), "shop-db-2", "shop-db-0"),
            new Row("node 0 down: 1 is the writer, 2 is backed up", 3,
                    List.of(n(0, false), n(1, true), n(2, true)), "shop-db-2", "writer is taken to be shop-db-1"),
            new Row("node 2 down: 1", 3, List.of(n(0, true), n(1, true), n(2, false)), "shop-db-1", "shop-db-0"),
            new Row("only the writer is Synced: wait", 3,
                    List.of(n(0, true), n(1, false), n(2, false)), null, "only shop-db-0 is Ready"),
            new Row("nothing Ready: wait", 3, List.of(n(0, false), n(1, false), n(2, false)), null, "no database node"),
            new Row("no pods: wait", 3, List.of(), null, "no database node"),
            new Row("a Ready pod not yet on a node is not a candidate", 3,
                    List.of(n(0, true), n(1, true), new Node("shop-db-2", 2, true, null)), "shop-db-1", "shop-db-0"),
            new Row("five nodes, two down", 5,
                    List.of(n(0, true), n(1, false), n(2, true), n(3, true), n(4, false)), "shop-db-3", "shop-db-0"),
            new Row("after a switchover to the highest ordinal: the highest other node", 3,
                    List.of(n(0, true), n(1, true), n(2, true)), "shop-db-1", "shop-db-2, status.writer", "shop-db-2"),
            new Row("switched to 1: still 2", 3, List.of(n(0, true), n(1, true), n(2, true)), "shop-db-2",
                    "shop-db-1, status.writer", "shop-db-1"),
            new Row("the named writer is down: HAProxy writes to the lowest Ready backup", 3,
                    List.of(n(0, true), n(1, true), n(2, false)), "shop-db-1", "lowest-ordinal Ready", "shop-db-2"),
            new Row("switched to 2, only 2 Ready: wait", 3, List.of(n(0, false), n(1, false), n(2, true)), null,
                    "only shop-db-2 is Ready", "shop-db-2"),
            new Row("single-node stack: its only node", 1, List.of(n(0, true)), "shop-db-0", "single-node"),
            new Row("single-node stack, not Ready: wait", 1, List.of(n(0, false)), null, "no database node"),
            new Row("the highest on a cordoned node: the next one", 3,
                    List.of(n(0, true), n(1, true), cordoned(2)), "shop-db-1", "shop-db-0"),
            new Row("a cordoned writer's node does not matter", 3,
                    List.of(cordoned(0), n(1, true), n(2, true)), "shop-db-2", "shop-db-0"),
            new Row("every other node cordoned: wait, never the writer", 3,
                    List.of(n(0, true), cordoned(1), cordoned(2)), null, "shop-db-1 (on node-1), shop-db-2 (on node-2): its Kubernetes node is cordoned"),
            new Row("single-node stack on a cordoned node: wait", 1, List.of(cordoned(0)), null, "cordoned"));

    @Test
    void eachRowChoosesItsNodeOrWaitsWithAReason() {
        List<String> failures = new ArrayList<>();
        for (Row row : ROWS) {
            BackupNodeChoice.Choice c = BackupNodeChoice.choose(row.nodes(), row.replicas(), row.writer());
            String got = c.node().map(Node::pod).orElse(null);
            if (!java.util.Objects.equals(got, row.chosen()) || !c.reason().contains(row.reasonHas())) {
                failures.add(row.what() + ": chose " + got + " (" + c.reason() + "), expected " + row.chosen()
                        + " with a reason containing '" + row.reasonHas() + "'");
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }
}
