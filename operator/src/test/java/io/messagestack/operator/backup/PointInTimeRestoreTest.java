package io.messagestack.operator.backup;

import io.messagestack.operator.crd.PointInTimeRecoveryGapStatus;
import io.messagestack.operator.crd.PointInTimeRecoveryStatus;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PointInTimeRestoreTest {
    private static final Instant END = Instant.parse("2026-12-06T14:00:00Z");

    private static PointInTimeRecoveryStatus archive(String last, PointInTimeRecoveryGapStatus gap) {
        PointInTimeRecoveryStatus s = new PointInTimeRecoveryStatus();
        s.lastArchivedTime = last;
        s.lastArchivedGtid = last == null ? null : "1-1-99";
        s.gap = gap;
        return s;
    }

    record Row(String name, String t, Instant end, String stack, boolean on, PointInTimeRecoveryStatus archive,
               String refused) {
    }

    @Test
    void eachRowIsRefusedWithItsReasonOrLetThrough() {
        PointInTimeRecoveryGapStatus gap = new PointInTimeRecoveryGapStatus();
        gap.kind = "gap";
        gap.fromSeqno = 50L;
        gap.toSeqno = 60L;
        gap.after = "2026-12-06T14:20:00Z";
        gap.detectedTime = "2026-12-06T14:25:00Z";
        List<Row> rows = List.of(
                new Row("within the archive", "2026-12-06T14:10:00Z", END, "shop", true, archive("2026-12-06T14:30:00Z", null), null),
                new Row("the second of the last transaction", "2026-12-06T14:30:01Z", END, "shop", true, archive("2026-12-06T14:30:00Z", null), null),
                new Row("before the backup ended", "2026-12-06T13:59:59Z", END, "shop", true, archive("2026-12-06T14:30:00Z", null), "before backup b1 ended"),
                new Row("after the last archived transaction", "2026-12-06T14:31:00Z", END, "shop", true, archive("2026-12-06T14:30:00Z", null), "after the last archived transaction"),
                new Row("nothing archived yet", "2026-12-06T14:10:00Z", END, "shop", true, null, "nothing is archived yet"),
                new Row("PITR is off now: the restore reads the archive itself", "2026-12-06T14:10:00Z", END, "shop", false, null, null),
                new Row("after a gap that no backup covers", "2026-12-06T14:22:00Z", END, "shop", true, archive("2026-12-06T14:30:00Z", gap), "after a gap"),
                new Row("before the gap", "2026-12-06T14:15:00Z", END, "shop", true, archive("2026-12-06T14:30:00Z", gap), null),
                new Row("from a backup taken after the gap", "2026-12-06T14:29:00Z", Instant.parse("2026-12-06T14:26:00Z"), "shop", true, archive("2026-12-06T14:30:00Z", gap), null),
                new Row("from a location, the stack unknown: the init container decides", "2030-01-01T00:00:00Z", null, null, false, null, null));
        for (Row r : rows) {
            Optional<String> got = PointInTimeRestore.refusal(Instant.parse(r.t()), "b1", r.end(), r.stack(), r.on(), r.archive());
            if (r.refused() == null) {
                assertEquals(Optional.empty(), got, r.name());
            } else {
                assertTrue(got.isPresent() && got.get().contains(r.refused()) && got.get().contains("pointInTime"),
                        r.name() + ": " + got);
            }
        }
    }
}
