package io.messagestack.operator.backup;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ScheduledBackupsTest {
    private static final BackupSchedule DAILY_3 = BackupSchedule.parse("spec.backup.schedule", "0 3 * * *");
    private static final Instant CREATED = Instant.parse("2026-12-01T10:00:00Z");

    private static Optional<Instant> due(List<Instant> taken, String now) {
        return ScheduledBackups.due(DAILY_3, taken, CREATED, Instant.parse(now));
    }

    @Test
    void oneBackupPerSlotAndNoneForSlotsBeforeTheStackExisted() {
        assertEquals(Optional.empty(), due(List.of(), "2026-12-02T02:59:00Z"), "no slot since creation yet");
        assertEquals(Optional.of(Instant.parse("2026-12-02T03:00:00Z")), due(List.of(), "2026-12-02T03:00:30Z"));
        assertEquals(Optional.empty(), due(List.of(Instant.parse("2026-12-02T03:00:00Z")), "2026-12-02T09:00:00Z"),
                "that slot is taken");
        assertEquals(Optional.of(Instant.parse("2026-12-05T03:00:00Z")),
                due(List.of(Instant.parse("2026-12-02T03:00:00Z")), "2026-12-05T12:00:00Z"),
                "after an outage: only the latest missed slot, not a burst");
        assertEquals(Optional.empty(), due(List.of(Instant.parse("2026-11-20T03:00:00Z")), "2026-12-01T11:00:00Z"),
                "an old backup of a stack re-created with the same name: slots before the new stack do not count");
    }

    @Test
    void theBackupObjectCarriesItsSlotAndAStableName() {
        Instant slot = Instant.parse("2026-12-06T03:00:00Z");
        var b = ScheduledBackups.backupFor("shop", "prod", slot);
        assertEquals("shop-20261206-0300", b.getMetadata().getName());
        assertEquals(Optional.of(slot), ScheduledBackups.slotOf(b));
        assertEquals("shop", b.getSpec().stack);
        assertEquals(Optional.empty(), ScheduledBackups.slotOf(BackupJobTest.backup("on-demand")));
    }
}
