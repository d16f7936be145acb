package io.messagestack.operator.backup;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * spec.backup.retention: which backups may be deleted. The whole decision, pure, so each rule has a test row
 * (BackupRetentionTest). Deleting a backup cannot be undone, so every rule leans towards keeping:
 * <ul>
 *   <li>only complete backups are ever chosen; a running, failed or incomplete one is not retention's business
 *       (it is never counted as a kept backup either, so it cannot push a good one out);</li>
 *   <li>the newest complete backup is always kept, however old: retention never leaves a stack with none;</li>
 *   <li>{@code count}: the newest {@code count} complete backups are kept;</li>
 *   <li>{@code maxAge}: complete backups that ended less than {@code maxAge} ago are kept;</li>
 *   <li>with both, a backup is deleted only when neither rule keeps it; with neither, nothing is deleted.</li>
 * </ul>
 */
public final class BackupRetention {
    private BackupRetention() {
    }

    /** What retention needs to know of one backup. */
    public record Backup(String name, Instant endTime, boolean complete) {
    }

    /** count and maxAge may each be null (no rule); at least one should be set for anything to be deleted. */
    public record Policy(Integer count, Duration maxAge) {
        public Policy {
            if (count != null && count < 1) {
                throw new IllegalArgumentException("spec.backup.retention.count: must be at least 1, was " + count);
            }
            if (maxAge != null && (maxAge.isNegative() || maxAge.isZero())) {
                throw new IllegalArgumentException("spec.backup.retention.maxAge: must be positive, was " + maxAge);
            }
        }
    }

    /** Names to delete (oldest first) and why each is deleted. */
    public record Decision(List<String> delete, List<String> reasons) {
    }

    public static Decision choose(List<Backup> backups, Policy policy, Instant now) {
        List<String> delete = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        if (policy.count() == null && policy.maxAge() == null) {
            return new Decision(delete, reasons);
        }
        // Newest first; equal end times by name, so the order (and the choice) never depends on the listing.
        List<Backup> complete = backups.stream()
                .filter(Backup::complete)
                .filter(b -> b.endTime() != null)
                .sorted(Comparator.comparing(Backup::endTime).reversed().thenComparing(Backup::name))
                .toList();
        for (int i = 1; i < complete.size(); i++) { // i = 0, the newest, is always kept
            Backup b = complete.get(i);
            boolean keptByCount = policy.count() != null && i < policy.count();
            boolean keptByAge = policy.maxAge() != null && b.endTime().isAfter(now.minus(policy.maxAge()));
            if (keptByCount || keptByAge) {
                continue;
            }
            delete.add(0, b.name());
            StringBuilder why = new StringBuilder(b.name()).append(":");
            if (policy.count() != null) {
                why.append(" newer complete backups: ").append(i).append(" >= count ").append(policy.count()).append(";");
            }
            if (policy.maxAge() != null) {
                why.append(" ended ").append(Duration.between(b.endTime(), now).toMinutes())
                        .append(" min ago >= maxAge ").append(policy.maxAge().toMinutes()).append(" min;");
            }
            reasons.add(0, why.substring(0, why.length() - 1));
        }
        return new Decision(delete, reasons);
    }
}
