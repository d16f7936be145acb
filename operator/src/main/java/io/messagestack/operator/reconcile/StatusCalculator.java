package io.messagestack.operator.reconcile;

import io.fabric8.kubernetes.api.model.Condition;
import io.messagestack.operator.backup.BackupHealth;
import io.messagestack.operator.crd.ComponentStatus;
import io.messagestack.operator.crd.GaleraBootstrapStatus;
import io.messagestack.operator.crd.GaleraNodeStatus;
import io.messagestack.operator.crd.GaleraStatus;
import io.messagestack.operator.crd.MessageStackStatus;
import io.messagestack.operator.crd.StackBackupStatus;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Turns what was observed into the status: conditions, counts, phase. Pure, so it is unit-tested. */
public final class StatusCalculator {
    public static final String PHASE_PROGRESSING = "Progressing";
    public static final String PHASE_READY = "Ready";
    public static final String PHASE_DEGRADED = "Degraded";
    public static final String PHASE_FAILED = "Failed";

    private StatusCalculator() {
    }

    public static MessageStackStatus calculate(MessageStackStatus previous, Observed o, long generation, String now) {
        List<Condition> conditions = previous == null || previous.conditions == null
                ? new ArrayList<>() : new ArrayList<>(previous.conditions);
        boolean wasReady = Conditions.isTrue(conditions, Conditions.READY);

        conditions = component(conditions, Conditions.DATABASE_READY, "Database", o.dbReady(), o.dbDesired(),
                o.problems(), generation, now, databaseNote(o));
        conditions = component(conditions, Conditions.PROXY_READY, "Proxy", o.proxyReady(), o.proxyDesired(),
                o.problems(), generation, now, null);
        if (!o.apiCreated() && firstProblem(o.problems(), Conditions.API_READY) == null) {
            conditions = Conditions.set(conditions, Conditions.API_READY, false, "WaitingForDatabase",
                    "message-api is created once a majority of database nodes is Primary and Synced", generation, now);
        } else {
            conditions = component(conditions, Conditions.API_READY, "Api", o.apiReady(), o.apiDesired(),
                    o.problems(), generation, now, null);
        }
        conditions = component(conditions, Conditions.FRONTEND_READY, "Frontend", o.frontendReady(),
                o.frontendDesired(), o.problems(), generation, now, null);

        List<String> notReady = new ArrayList<>();
        for (String type : List.of(Conditions.DATABASE_READY, Conditions.PROXY_READY, Conditions.API_READY,
                Conditions.FRONTEND_READY)) {
            if (!Conditions.isTrue(conditions, type)) {
                notReady.add(type);
            }
        }
        Problem general = firstProblem(o.problems(), Conditions.READY);
        boolean ready = notReady.isEmpty() && general == null;
        String reason;
        String message;
        if (general != null) {
            reason = general.reason();
            message = general.message();
        } else if (ready) {
            reason = "AllComponentsReady";
            message = "the stack is ready" + (o.url() != null ? "; the page is at " + o.url() : "");
        } else {
            Condition first = Conditions.find(conditions, notReady.get(0));
            reason = first.getReason();
            message = String.join(", ", notReady) + " not true: " + first.getMessage();
        }
        conditions = Conditions.set(conditions, Conditions.READY, ready, reason, message, generation, now);

        MessageStackStatus status = new MessageStackStatus();
        status.observedGeneration = generation;
        status.conditions = conditions;
        status.database = new ComponentStatus(o.dbReady(), o.dbDesired());
        status.proxy = new ComponentStatus(o.proxyReady(), o.proxyDesired());
        status.api = new ComponentStatus(o.apiReady(), o.apiDesired());
        status.frontend = new ComponentStatus(o.frontendReady(), o.frontendDesired());
        status.galera = galera(previous == null ? null : previous.galera, o.galera(), now);
        status.writer = o.writer() != null ? o.writer() : previous == null ? null : previous.writer;
        status.databaseSummary = o.dbReady() + "/" + o.dbDesired()
                + (o.galera() != null && o.galera().clusterStatus != null ? " " + o.galera().clusterStatus : "");
        status.url = o.url();
        if (ready) {
            status.phase = PHASE_READY;
        } else if (general != null) {
            status.phase = PHASE_FAILED;
        } else if (wasReady || PHASE_DEGRADED.equals(previous == null ? null : previous.phase)) {
            status.phase = PHASE_DEGRADED;
        } else {
            status.phase = PHASE_PROGRESSING;
        }
        return status;
    }

    /**
     * The Galera status with each node's {@code since} kept while its state is unchanged, and the last bootstrap kept
     * until the next one (also when no agent answers: it is history, not a claim about now).
     */
    /**
     * Adds what the stack's backups say: status.backup (the last successful one) and the BackupFailing condition,
     * once the stack has spec.backup or any backup; a stack without either shows neither.
     */
    public static MessageStackStatus withBackups(MessageStackStatus status, boolean configured, BackupHealth.Health health,
                                                 long generation, String now) {
        var success = health.lastSuccess();
        var failing = health.failing();
        if (!configured && success.isEmpty() && failing.isEmpty()) {
            status.conditions = Conditions.remove(status.conditions, Conditions.BACKUP_FAILING);
            status.backup = null;
            return status;
        }
        String last = success.map(b -> "the last successful backup is " + b.name() + " (" + b.finished() + ")")
                .orElse("no backup has completed yet");
        if (failing.isPresent()) {
            var f = failing.get();
            status.conditions = Conditions.set(status.conditions, Conditions.BACKUP_FAILING, true, "BackupFailed",
                    "backup " + f.name() + " failed" + (f.reason() == null || f.reason().isBlank() ? "" : ": " + f.reason())
                            + "; " + last, generation, now);
        } else if (success.isPresent()) {
            status.conditions = Conditions.set(status.conditions, Conditions.BACKUP_FAILING, false, "BackupSucceeded",
                    last, generation, now);
        } else {
            status.conditions = Conditions.set(status.conditions, Conditions.BACKUP_FAILING, false, "NoBackupYet",
                    "no backup has finished yet", generation, now);
        }
        status.backup = success.map(b -> {
            StackBackupStatus backup = new StackBackupStatus();
            backup.lastSuccessfulBackup = b.name();
            backup.lastSuccessfulTime = b.finished().toString();
            return backup;
        }).orElse(null);
        return status;
    }

    /**
     * The RolloutWaiting condition: True with what the waiting tiers wait for, removed once no tier waits (a stack
     * that never waited never shows it).
     */
    public static MessageStackStatus withRolloutWaiting(MessageStackStatus status, java.util.Optional<String> waiting,
                                                        long generation, String now) {
        status.conditions = waiting.isPresent()
                ? Conditions.set(status.conditions, Conditions.ROLLOUT_WAITING, true, "WaitingForAnotherTier",
                waiting.get(), generation, now)
                : Conditions.remove(status.conditions, Conditions.ROLLOUT_WAITING);
        return status;
    }

    static GaleraStatus galera(GaleraStatus previous, GaleraStatus observed, String now) {
        GaleraBootstrapStatus last = observed != null && observed.lastBootstrap != null ? observed.lastBootstrap
                : previous == null ? null : previous.lastBootstrap;
        if (observed == null) {
            if (last == null) {
                return null;
            }
            GaleraStatus only = new GaleraStatus();
            only.lastBootstrap = last;
            return only;
        }
        GaleraStatus g = new GaleraStatus();
        g.clusterSize = observed.clusterSize;
        g.clusterStatus = observed.clusterStatus;
        g.syncedNodes = observed.syncedNodes;
        g.lastBootstrap = last;
        if (observed.nodes != null) {
            g.nodes = new ArrayList<>();
            for (GaleraNodeStatus n : observed.nodes) {
                GaleraNodeStatus before = previous == null || previous.nodes == null ? null : previous.nodes.stream()
                        .filter(p -> Objects.equals(p.pod, n.pod)).findFirst().orElse(null);
                GaleraNodeStatus row = new GaleraNodeStatus(n.pod, n.uuid, n.seqno, n.safeToBootstrap, n.state,
                        n.detail);
                row.since = before != null && Objects.equals(before.state, n.state) && before.since != null
                        ? before.since : now;
                g.nodes.add(row);
            }
        }
        return g;
    }

    private static String databaseNote(Observed o) {
        if (o.galera() == null || o.galera().clusterStatus == null) {
            return null;
        }
        return "Galera reports cluster size " + o.galera().clusterSize + ", " + o.galera().clusterStatus;
    }

    private static List<Condition> component(List<Condition> conditions, String type, String name, int ready,
                                             int desired, List<Problem> problems, long generation, String now,
                                             String note) {
        Problem p = firstProblem(problems, type);
        if (p != null) {
            return Conditions.set(conditions, type, false, p.reason(), p.message(), generation, now);
        }
        String counts = ready + "/" + desired + " pods ready" + (note != null ? "; " + note : "");
        if (ready >= desired) {
            return Conditions.set(conditions, type, true, name + "Ready", counts, generation, now);
        }
        return Conditions.set(conditions, type, false, name + "NotReady", counts, generation, now);
    }

    private static Problem firstProblem(List<Problem> problems, String type) {
        return problems.stream().filter(p -> p.conditionType().equals(type)).findFirst().orElse(null);
    }
}
