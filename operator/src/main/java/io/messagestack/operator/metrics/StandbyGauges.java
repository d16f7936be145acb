package io.messagestack.operator.metrics;

import io.fabric8.kubernetes.api.model.Condition;
import io.messagestack.operator.crd.MessageStack;

import java.time.Instant;
import java.util.Optional;

/**
 * What the standby operator replica publishes of a stack (pure): whether it is Ready and its desired size, read
 * from the status and spec the leader keeps. With both replicas publishing, the rules' {@code max by (namespace,
 * stack)} has a value while the Lease changes hands (about 15-30 s without the leader's rows, which restarted the
 * {@code for} of pending alerts). The last backup's time is the caller's, read from the backups as the leader
 * reads them (BackupHealth over the MessageStackBackups naming the stack).
 */
public final class StandbyGauges {
    private StandbyGauges() {
    }

    public static Optional<StackMetrics.Observation> observe(MessageStack stack, Optional<Instant> lastBackupCompleted) {
        if (stack.getSpec() == null || stack.getSpec().database == null || stack.getStatus() == null) {
            return Optional.empty();
        }
        Condition ready = StatusDurations.find(stack.getStatus().conditions, StatusDurations.READY);
        if (ready == null) {
            return Optional.empty();
        }
        return Optional.of(new StackMetrics.Observation("True".equals(ready.getStatus()),
                stack.getSpec().database.replicas, lastBackupCompleted));
    }
}
