package io.messagestack.operator.database;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

class WriterDisruptionTest {
    private record Row(String what, int writer, int replicas, boolean proxiesOnWriter, Set<Integer> now,
                       Set<Integer> protect) {
    }

    private static final List<Row> ROWS = List.of(
            new Row("no budget yet: the writer", 0, 3, true, Set.of(), Set.of(0)),
            new Row("steady: the writer only", 1, 3, true, Set.of(1), Set.of(1)),
            new Row("the writer moved, proxies still rolling: old and new", 1, 3, false, Set.of(0), Set.of(0, 1)),
            new Row("the proxies write to the new writer: the old one may go", 1, 3, true, Set.of(0, 1), Set.of(1)),
            new Row("a second move while rolling keeps every earlier one", 2, 3, false, Set.of(0, 1),
                    Set.of(0, 1, 2)),
            new Row("a protected node a scale-down removed is forgotten", 0, 3, false, Set.of(0, 4), Set.of(0)),
            new Row("one database node: nothing (a drain must not wait for ever)", 0, 1, true, Set.of(0), Set.of()),
            new Row("the writer is no node of the StatefulSet: nothing", 3, 3, true, Set.of(), Set.of()));

    @Test
    void eachRowProtectsItsPods() {
        List<String> failures = new ArrayList<>();
        for (Row row : ROWS) {
            var got = WriterDisruption.protect(row.writer(), row.replicas(), row.proxiesOnWriter(), row.now());
            if (!got.equals(new java.util.TreeSet<>(row.protect()))) {
                failures.add(row.what() + ": got " + got + ", expected " + row.protect());
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }
}
