package io.messagestack.chaos.analysis;

import io.messagestack.chaos.record.RequestRecord;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.messagestack.chaos.analysis.Records.create;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The plain client's writes (no key, no retry): a failed create may or may not be stored (unknown
 * outcome, never lost, never a duplicate when stored once); an acknowledged one must be there once.
 */
class PlainWriteVerificationTest {
    static final String P = "chaos-run-plain-";

    record Case(String name, List<RequestRecord> records, Map<String, Integer> rows, int acknowledged, int lost,
                int duplicates, int unknown, int unknownStored, boolean clean) {
    }

    @Test
    void plainWrites() {
        List<Case> cases = List.of(
                new Case("acknowledged and stored once", List.of(create("plain", P + "a", 201, 1L)),
                        Map.of(P + "a", 1), 1, 0, 0, 0, 0, true),
                new Case("failed and not stored: unknown outcome, not lost", List.of(create("plain", P + "a", 0, null)),
                        Map.of(), 0, 0, 0, 1, 0, true),
                new Case("failed (502) but stored: unknown outcome, not a duplicate",
                        List.of(create("plain", P + "a", 502, null)), Map.of(P + "a", 1), 0, 0, 0, 1, 1, true),
                new Case("acknowledged, no row: lost", List.of(create("plain", P + "a", 201, 1L)),
                        Map.of(), 1, 1, 0, 0, 0, false),
                new Case("acknowledged, two rows: duplicate", List.of(create("plain", P + "a", 201, 1L)),
                        Map.of(P + "a", 2), 1, 0, 1, 0, 0, false),
                new Case("failed, two rows: still a duplicate (the client sent it once)",
                        List.of(create("plain", P + "a", 0, null)), Map.of(P + "a", 2), 0, 0, 1, 1, 1, false));
        for (Case c : cases) {
            WriteVerification.Result r = WriteVerification.verify(c.records(), c.rows());
            assertEquals(c.acknowledged(), r.acknowledged(), c.name() + ": acknowledged");
            assertEquals(c.lost(), r.lost(), c.name() + ": lost");
            assertEquals(c.duplicates(), r.duplicates(), c.name() + ": duplicates");
            assertEquals(c.unknown(), r.unacknowledged(), c.name() + ": unknown outcome");
            assertEquals(c.unknownStored(), r.unacknowledgedPresent(), c.name() + ": unknown outcome stored");
            assertEquals(c.clean(), r.clean(), c.name() + ": clean");
        }
    }

    @Test
    void eachClientIsCheckedOnItsOwnRows() {
        Map<String, Integer> rows = Map.of("chaos-run-careful-w0-1", 1, "chaos-run-plain-w0-1", 1, "chaos-run2-plain-x", 1);
        assertEquals(Map.of("chaos-run-plain-w0-1", 1), WriteVerification.rowsWithPrefix(rows, "chaos-run-plain-"));
        assertEquals(Map.of("chaos-run-careful-w0-1", 1), WriteVerification.rowsWithPrefix(rows, "chaos-run-careful-"));
    }
}
