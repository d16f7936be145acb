package io.messagestack.operator.reconcile;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.messagestack.operator.crd.MessageStack;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

class StackUpdateFilterTest {
    private static MessageStack ms(long generation, Map<String, String> annotations, String deletion) {
        MessageStack m = new MessageStack();
        m.setMetadata(new ObjectMetaBuilder().withName("demo").withGeneration(generation)
                .withAnnotations(annotations).withDeletionTimestamp(deletion).build());
        return m;
    }

    private record Row(String what, MessageStack before, MessageStack after, boolean reconcile) {
    }

    @Test
    void specChangesDeletionAndActionAnnotationsStartAReconcileStatusPatchesDoNot() {
        var plain = ms(1, Map.of(), null);
        List<Row> rows = List.of(
                new Row("a status patch (same generation, same metadata)", plain, ms(1, Map.of(), null), false),
                new Row("a spec change", plain, ms(2, Map.of(), null), true),
                new Row("deletion", plain, ms(1, Map.of(), "2026-12-06T14:00:00Z"), true),
                new Row("switchover requested", plain, ms(1, Map.of("messagestack.io/switchover-to", "demo-db-1"),
                        null), true),
                new Row("switchover annotation removed by the operator",
                        ms(1, Map.of("messagestack.io/switchover-to", "demo-db-1"), null), plain, true),
                new Row("force-bootstrap set", plain, ms(1, Map.of("messagestack.io/force-bootstrap", "demo-db-0"),
                        null), true),
                new Row("an unrelated annotation (the backup schedule's last slot)", plain,
                        ms(1, Map.of("messagestack.io/last-backup-slot", "2026-12-06T14:00:00Z"), null), false));
        List<String> failures = new ArrayList<>();
        for (Row row : rows) {
            if (new StackUpdateFilter().accept(row.after(), row.before()) != row.reconcile()) {
                failures.add(row.what() + ": expected reconcile=" + row.reconcile());
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }
}
