package io.messagestack.operator.backup;

import io.messagestack.operator.crd.PointInTimeRecoveryStatus;

import java.time.Instant;
import java.util.Optional;

/**
 * The operator's check of spec.database.restore.pointInTime before it creates anything (docs/pitr.md, "Restore to a
 * time T"), from what the API shows: the named backup's end and its stack's status.pointInTimeRecovery. The restore
 * init container checks again against the archive itself (galera-agent restore: the listing is the index), so a
 * point this check lets through can still be refused there, with the reason in RestoreFailed. Pure
 * (PointInTimeRestoreTest).
 */
public final class PointInTimeRestore {
    private PointInTimeRestore() {
    }

    /**
     * Why T cannot be restored, or empty when the init container may try.
     *
     * @param backupEnd   the named backup's end time (null: restored from a location, not known here)
     * @param sourceStack the backup's stack name (null: unknown or gone)
     * @param pitrOn      whether that stack has spec.backup.pointInTimeRecovery.enabled
     * @param archive     that stack's status.pointInTimeRecovery (null: none)
     */
    public static Optional<String> refusal(Instant t, String backup, Instant backupEnd, String sourceStack,
                                           boolean pitrOn, PointInTimeRecoveryStatus archive) {
        if (backupEnd != null && t.isBefore(backupEnd)) {
            return Optional.of("spec.database.restore.pointInTime " + t + " is before backup " + backup + " ended ("
                    + backupEnd + "): a point before a backup cannot be restored from it; name an earlier backup");
        }
        if (sourceStack == null) {
            return Optional.empty();
        }
        if (!pitrOn) {
            return Optional.empty(); // its archive (if any) is no longer reported: the restore checks the archive itself
        }
        if (archive == null || archive.lastArchivedTime == null) {
            return Optional.of("spec.database.restore.pointInTime " + t + " is after the last archived transaction of"
                    + " stack " + sourceStack + ": nothing is archived yet");
        }
        Instant last = Instant.parse(archive.lastArchivedTime);
        // The binary log has whole seconds: a transaction at second S started before S+1.
        if (t.isAfter(last.plusSeconds(1))) {
            return Optional.of("spec.database.restore.pointInTime " + t + " is after the last archived transaction of"
                    + " stack " + sourceStack + " (" + archive.lastArchivedGtid + " at " + last + "): the archive does"
                    + " not reach it" + (pitrOn ? " yet; wait until status.pointInTimeRecovery.lastArchivedTime of "
                    + sourceStack + " is past it" : ""));
        }
        var gap = archive.gap;
        if (gap != null && gap.after != null && t.isAfter(Instant.parse(gap.after))
                && (backupEnd == null || !backupEnd.isAfter(Instant.parse(gap.detectedTime)))) {
            return Optional.of("spec.database.restore.pointInTime " + t + " is after a " + gap.kind + " in the archive of"
                    + " stack " + sourceStack + " (seqnos " + gap.fromSeqno + " to " + gap.toSeqno + ", after "
                    + gap.after + "): restore from a backup taken after it");
        }
        return Optional.empty();
    }
}
