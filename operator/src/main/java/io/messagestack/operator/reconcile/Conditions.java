package io.messagestack.operator.reconcile;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Typed status conditions with a stable lastTransitionTime: it changes only when the status flips. */
public final class Conditions {
    public static final String READY = "Ready";
    public static final String DATABASE_READY = "DatabaseReady";
    public static final String PROXY_READY = "ProxyReady";
    public static final String API_READY = "ApiReady";
    public static final String FRONTEND_READY = "FrontendReady";
    /** True while the stack's most recently finished backup Failed (BackupHealth). */
    public static final String BACKUP_FAILING = "BackupFailing";
    /** True while the binary log archive has a gap not yet covered by a newer full backup (PitrHealth). */
    public static final String POINT_IN_TIME_RECOVERY_GAP = "PointInTimeRecoveryGap";
    /**
     * True while a tier keeps its current pod template because another rolls first (RolloutOrder); absent otherwise.
     * It does not make Ready false: the waiting tier's pods serve as before.
     */
    public static final String ROLLOUT_WAITING = "RolloutWaiting";

    private Conditions() {
    }

    /**
     * Returns the new list: {@code previous} with {@code type} set. The transition time of the previous condition is
     * kept when the status did not change.
     */
    public static List<Condition> set(List<Condition> previous, String type, boolean status, String reason,
                                      String message, long generation, String now) {
        List<Condition> result = new ArrayList<>();
        boolean replaced = false;
        String statusText = status ? "True" : "False";
        for (Condition c : previous) {
            if (!type.equals(c.getType())) {
                result.add(c);
                continue;
            }
            String since = Objects.equals(c.getStatus(), statusText) && c.getLastTransitionTime() != null
                    ? c.getLastTransitionTime() : now;
            result.add(condition(type, statusText, reason, message, generation, since));
            replaced = true;
        }
        if (!replaced) {
            result.add(condition(type, statusText, reason, message, generation, now));
        }
        return result;
    }

    /** Returns the new list: {@code previous} without {@code type}. */
    public static List<Condition> remove(List<Condition> previous, String type) {
        return new ArrayList<>(previous.stream().filter(c -> !type.equals(c.getType())).toList());
    }

    public static Condition find(List<Condition> conditions, String type) {
        if (conditions == null) {
            return null;
        }
        return conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    }

    public static boolean isTrue(List<Condition> conditions, String type) {
        Condition c = find(conditions, type);
        return c != null && "True".equals(c.getStatus());
    }

    private static Condition condition(String type, String status, String reason, String message, long generation,
                                       String since) {
        return new ConditionBuilder().withType(type).withStatus(status).withReason(reason)
                .withMessage(message == null ? "" : message).withObservedGeneration(generation)
                .withLastTransitionTime(since).build();
    }
}
