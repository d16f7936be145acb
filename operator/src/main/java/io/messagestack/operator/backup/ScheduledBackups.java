package io.messagestack.operator.backup;

import io.messagestack.operator.common.Components;
import io.messagestack.operator.common.Labels;
import io.messagestack.operator.crd.MessageStackBackup;
import io.messagestack.operator.crd.MessageStackBackupSpec;

import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;

/**
 * spec.backup.schedule turned into MessageStackBackup objects. The decision is {@link BackupSchedule#dueSlot}: the
 * last handled slot is the newest slot of this stack's scheduled backups (their annotation), or the stack's creation
 * time when it has none (a new stack does not back up for slots before it existed). The backup's name comes from its
 * slot ({@link BackupLayout#scheduledBackupName}), so creating it twice is refused by the API server: an operator
 * that restarts, or two reconciles at once, take one backup per slot. Pure (ScheduledBackupsTest).
 */
public final class ScheduledBackups {
    public static final String SCHEDULED_LABEL = "messagestack.io/scheduled";
    public static final String SLOT_ANNOTATION = "messagestack.io/schedule-slot";
    /**
     * On the MessageStack: the last slot a backup was created for. Retention may delete that backup's record (a
     * newer on-demand backup pushed it out); without this the schedule would take the same slot again.
     */
    public static final String LAST_SLOT_ANNOTATION = "messagestack.io/last-backup-slot";

    private ScheduledBackups() {
    }

    /** The slot a backup is due for now, if any. {@code slotsTaken}: the slots of existing scheduled backups. */
    public static Optional<Instant> due(BackupSchedule schedule, Collection<Instant> slotsTaken, Instant stackCreated,
                                        Instant now) {
        Instant last = slotsTaken.stream().max(Comparator.naturalOrder()).orElse(stackCreated);
        if (stackCreated != null && last.isBefore(stackCreated)) {
            last = stackCreated;
        }
        return schedule.dueSlot(last, now);
    }

    /** The slot of a scheduled backup object, or empty for an on-demand one. */
    public static Optional<Instant> slotOf(MessageStackBackup backup) {
        Map<String, String> a = backup.getMetadata().getAnnotations();
        Map<String, String> l = backup.getMetadata().getLabels();
        if (a == null || l == null || !"true".equals(l.get(SCHEDULED_LABEL)) || a.get(SLOT_ANNOTATION) == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(a.get(SLOT_ANNOTATION)));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The MessageStackBackup for one slot. No owner: backup records outlive a deleted stack, like its volumes. */
    public static MessageStackBackup backupFor(String stack, String namespace, Instant slot) {
        MessageStackBackup b = new MessageStackBackup();
        b.getMetadata().setName(BackupLayout.scheduledBackupName(stack, slot));
        b.getMetadata().setNamespace(namespace);
        Map<String, String> labels = Labels.of(stack, Components.BACKUP);
        labels.put(SCHEDULED_LABEL, "true");
        b.getMetadata().setLabels(labels);
        b.getMetadata().setAnnotations(Map.of(SLOT_ANNOTATION, slot.toString()));
        b.setSpec(new MessageStackBackupSpec());
        b.getSpec().stack = stack;
        return b;
    }
}
