package io.messagestack.operator.backup;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import io.messagestack.operator.crd.MessageStackBackupStatus;

/**
 * How a stack's backups are doing, for its status: the last successful backup, and whether backups are failing.
 * Failing means the most recently finished backup Failed: one later success clears it, as it does for a person
 * reading `kubectl get msbackup`. Backups still Pending or Running say nothing yet. Pure.
 */
public final class BackupHealth {

    /** One MessageStackBackup of the stack; finished is null until it is Completed or Failed. */
    public record Backup(String name, String phase, Instant finished, String reason) {
        boolean isFinished() {
            return finished != null && (MessageStackBackupStatus.COMPLETED.equals(phase) || MessageStackBackupStatus.FAILED.equals(phase));
        }
    }

    /** The verdict. lastSuccess is empty when no backup has completed; failing names the failed backup. */
    public record Health(Optional<Backup> lastSuccess, Optional<Backup> failing) {
    }

    private BackupHealth() {
    }

    public static Health of(List<Backup> backups) {
        Comparator<Backup> byFinish = Comparator.comparing(Backup::finished).thenComparing(Backup::name);
        Optional<Backup> lastSuccess = backups.stream().filter(Backup::isFinished)
                .filter(b -> MessageStackBackupStatus.COMPLETED.equals(b.phase())).max(byFinish);
        Optional<Backup> lastFinished = backups.stream().filter(Backup::isFinished).max(byFinish);
        Optional<Backup> failing = lastFinished.filter(b -> MessageStackBackupStatus.FAILED.equals(b.phase()));
        return new Health(lastSuccess, failing);
    }
}
