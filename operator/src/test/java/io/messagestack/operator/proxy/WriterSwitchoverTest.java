package io.messagestack.operator.proxy;

import io.messagestack.operator.proxy.WriterSwitchover.Decision;
import io.messagestack.operator.proxy.WriterSwitchover.Node;
import io.messagestack.operator.proxy.WriterSwitchover.Outcome;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertTrue;

class WriterSwitchoverTest {
    private record Row(String what, String requested, int replicas, int writer, List<Node> nodes, Outcome outcome,
                       Integer target, String reason, String messageHas) {
    }

    private static Node synced(int ordinal) {
        return new Node("demo-db-" + ordinal, ordinal, true, true);
    }

    private static Node notSynced(int ordinal) {
        return new Node("demo-db-" + ordinal, ordinal, true, false);
    }

    private static Node missing(int ordinal) {
        return new Node("demo-db-" + ordinal, ordinal, false, false);
    }

    private static final List<Node> THREE = List.of(synced(0), synced(1), synced(2));

    private static final List<Row> ROWS = List.of(
            new Row("a Synced node that is not the writer: switch", "demo-db-1", 3, 0, THREE, Outcome.SWITCH, 1,
                    "Switchover", "writer moved from demo-db-0 to demo-db-1"),
            new Row("away from a switched writer, back to 0", "demo-db-0", 3, 2, THREE, Outcome.SWITCH, 0,
                    "Switchover", "from demo-db-2 to demo-db-0"),
            new Row("surrounding blanks are ignored", " demo-db-2 ", 3, 0, THREE, Outcome.SWITCH, 2, "Switchover",
                    "to demo-db-2"),
            new Row("the writer already", "demo-db-0", 3, 0, THREE, Outcome.REFUSE, null, "SwitchoverTargetIsWriter",
                    "writer already"),
            new Row("not Synced (donor, joining, draining)", "demo-db-2", 3, 0,
                    List.of(synced(0), synced(1), notSynced(2)), Outcome.REFUSE, null, "SwitchoverTargetNotSynced",
                    "the writer stays demo-db-0"),
            new Row("the pod does not exist", "demo-db-2", 3, 0, List.of(synced(0), synced(1), missing(2)),
                    Outcome.REFUSE, null, "SwitchoverTargetNotFound", "the pod does not exist"),
            new Row("the pod is not seen at all", "demo-db-2", 3, 0, List.of(synced(0), synced(1)),
                    Outcome.REFUSE, null, "SwitchoverTargetNotFound", "does not exist"),
            new Row("beyond the stack's size", "demo-db-3", 3, 0, THREE, Outcome.REFUSE, null,
                    "SwitchoverTargetNotFound", "demo-db-0 .. demo-db-2"),
            new Row("another stack's node", "shop-db-1", 3, 0, THREE, Outcome.REFUSE, null,
                    "SwitchoverTargetNotFound", "not a database node of this stack"),
            new Row("an ordinal alone is not a pod name", "1", 3, 0, THREE, Outcome.REFUSE, null,
                    "SwitchoverTargetNotFound", "\"1\""),
            new Row("a leading zero is not an ordinal", "demo-db-01", 3, 0, THREE, Outcome.REFUSE, null,
                    "SwitchoverTargetNotFound", "not a database node"),
            new Row("an empty value", "", 3, 0, THREE, Outcome.REFUSE, null, "SwitchoverTargetNotFound",
                    "not a database node"),
            new Row("a prefix of another stack's name (demo-db-1 of stack demo-db)", "demo-db-db-1", 3, 0, THREE,
                    Outcome.REFUSE, null, "SwitchoverTargetNotFound", "not a database node"));

    @Test
    void eachRowSwitchesOrRefusesWithItsReason() {
        List<String> failures = new ArrayList<>();
        for (Row row : ROWS) {
            Decision d = WriterSwitchover.decide(row.requested(), "demo-db", row.replicas(), row.writer(), row.nodes());
            if (d.outcome() != row.outcome() || !Objects.equals(d.target(), row.target())
                    || !row.reason().equals(d.reason()) || !d.message().contains(row.messageHas())) {
                failures.add(row.what() + ": got " + d + ", expected " + row.outcome() + " " + row.target() + " "
                        + row.reason() + " with a message containing '" + row.messageHas() + "'");
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    private record Replacement(String what, int writer, int remaining, List<Node> nodes, Integer chosen) {
    }

    private static final List<Replacement> REPLACEMENTS = List.of(
            new Replacement("writer 4 leaves a 5 -> 4 step: the lowest Synced that stays", 4, 4,
                    List.of(synced(0), synced(1), synced(2), synced(3), synced(4)), 0),
            new Replacement("node 0 not Synced: the next", 4, 4,
                    List.of(notSynced(0), synced(1), synced(2), synced(3), synced(4)), 1),
            new Replacement("only the leaving nodes are Synced: none (the scale-down waits)", 3, 3,
                    List.of(notSynced(0), missing(1), notSynced(2), synced(3), synced(4)), null),
            new Replacement("never the writer itself", 0, 1, List.of(synced(0), synced(1)), null));

    @Test
    void aScaleDownMovesTheWriterToTheLowestSyncedNodeThatStays() {
        List<String> failures = new ArrayList<>();
        for (Replacement row : REPLACEMENTS) {
            Optional<Node> got = WriterSwitchover.replacement(row.writer(), row.remaining(), row.nodes());
            Integer ordinal = got.map(Node::ordinal).orElse(null);
            if (!Objects.equals(ordinal, row.chosen())) {
                failures.add(row.what() + ": got " + ordinal + ", expected " + row.chosen());
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }
}
