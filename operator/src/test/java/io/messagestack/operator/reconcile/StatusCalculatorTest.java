package io.messagestack.operator.reconcile;

import io.messagestack.operator.backup.BackupHealth;
import io.messagestack.operator.crd.GaleraStatus;
import io.messagestack.operator.crd.MessageStackStatus;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatusCalculatorTest {
    private static Observed allReady(List<Problem> problems) {
        GaleraStatus g = new GaleraStatus();
        g.clusterSize = 3;
        g.clusterStatus = "Primary";
        g.syncedNodes = 3;
        return new Observed(3, 3, 2, 2, 2, 2, true, 2, 2, g, "http://10.0.0.1:30080/", problems);
    }

    @Test
    void everythingReady() {
        MessageStackStatus s = StatusCalculator.calculate(null, allReady(List.of()), 4, "T");
        assertEquals("Ready", s.phase);
        assertEquals(4L, s.observedGeneration);
        assertTrue(Conditions.isTrue(s.conditions, Conditions.READY));
        assertEquals("3/3 Primary", s.databaseSummary);
        assertEquals(5, s.conditions.size());
        assertTrue(Conditions.find(s.conditions, Conditions.READY).getMessage().contains("http://10.0.0.1:30080/"));
    }

    @Test
    void creatingThenLosingANodeIsProgressingThenDegraded() {
        Observed creating = new Observed(1, 3, 0, 2, 0, 2, false, 2, 2, null, null, List.of());
        MessageStackStatus s1 = StatusCalculator.calculate(null, creating, 1, "T1");
        assertEquals("Progressing", s1.phase);
        assertEquals("WaitingForDatabase", Conditions.find(s1.conditions, Conditions.API_READY).getReason());
        assertEquals("DatabaseNotReady", Conditions.find(s1.conditions, Conditions.READY).getReason());
        MessageStackStatus s2 = StatusCalculator.calculate(s1, allReady(List.of()), 1, "T2");
        Observed lost = new Observed(2, 3, 2, 2, 2, 2, true, 2, 2, null, null, List.of());
        MessageStackStatus s3 = StatusCalculator.calculate(s2, lost, 1, "T3");
        assertEquals("Degraded", s3.phase);
        assertEquals("T3", Conditions.find(s3.conditions, Conditions.READY).getLastTransitionTime());
        assertEquals("T2", Conditions.find(s3.conditions, Conditions.PROXY_READY).getLastTransitionTime());
    }

    @Test
    void aProblemBecomesTheReasonAndThePhaseIsFailed() {
        MessageStackStatus s = StatusCalculator.calculate(null,
                allReady(List.of(new Problem(Conditions.DATABASE_READY, "EngineMismatch", "volume x holds y"))),
                1, "T");
        assertFalse(Conditions.isTrue(s.conditions, Conditions.READY));
        assertEquals("EngineMismatch", Conditions.find(s.conditions, Conditions.DATABASE_READY).getReason());
        assertEquals("EngineMismatch", Conditions.find(s.conditions, Conditions.READY).getReason());
        s = StatusCalculator.calculate(null, allReady(List.of(new Problem(Conditions.READY, "X", "y"))), 1, "T");
        assertEquals("Failed", s.phase);
    }

    @Test
    void galeraNodeTableKeepsSinceWhileTheStateHoldsAndTheLastBootstrapUntilTheNext() {
        io.messagestack.operator.crd.GaleraStatus g1 = new GaleraStatus();
        g1.clusterStatus = "Down";
        g1.nodes = List.of(new io.messagestack.operator.crd.GaleraNodeStatus("db-0", "u", 12L, false, "waiting", null),
                new io.messagestack.operator.crd.GaleraNodeStatus("db-1", "u", null, false, "recovering", "lock"));
        Observed o1 = new Observed(0, 3, 2, 2, 0, 2, true, 2, 2, g1, null,
                List.of(new Problem(Conditions.DATABASE_READY, "WaitingForPositions", "db-1 (recovering: lock)")));
        MessageStackStatus s1 = StatusCalculator.calculate(null, o1, 1, "T1");
        assertEquals("WaitingForPositions", Conditions.find(s1.conditions, Conditions.DATABASE_READY).getReason());
        assertEquals("T1", s1.galera.nodes.get(1).since);

        io.messagestack.operator.crd.GaleraStatus g2 = new GaleraStatus();
        g2.clusterStatus = "Down";
        var boot = new io.messagestack.operator.crd.GaleraBootstrapStatus();
        boot.pod = "db-0";
        boot.forced = true;
        boot.forcedBy = "db-0";
        g2.lastBootstrap = boot;
        g2.nodes = List.of(new io.messagestack.operator.crd.GaleraNodeStatus("db-0", "u", 12L, false, "waiting", null),
                new io.messagestack.operator.crd.GaleraNodeStatus("db-1", "u", 13L, false, "waiting", null));
        MessageStackStatus s2 = StatusCalculator.calculate(s1, new Observed(0, 3, 2, 2, 0, 2, true, 2, 2, g2, null,
                List.of()), 1, "T2");
        assertEquals("T1", s2.galera.nodes.get(0).since, "db-0 still waiting");
        assertEquals("T2", s2.galera.nodes.get(1).since, "db-1 changed state");
        MessageStackStatus s3 = StatusCalculator.calculate(s2, allReady(List.of()), 1, "T3");
        assertEquals("db-0", s3.galera.lastBootstrap.pod);
        assertTrue(s3.galera.lastBootstrap.forced);
        MessageStackStatus s4 = StatusCalculator.calculate(s3, new Observed(0, 3, 2, 2, 0, 2, true, 2, 2, null, null,
                List.of()), 1, "T4");
        assertEquals("db-0", s4.galera.lastBootstrap.forcedBy, "history survives an unanswered probe");
    }

    private static BackupHealth.Health health(String success, String failing) {
        Instant t = Instant.parse("2026-12-06T12:00:00Z");
        return new BackupHealth.Health(
                Optional.ofNullable(success).map(n -> new BackupHealth.Backup(n, "Completed", t, null)),
                Optional.ofNullable(failing).map(n -> new BackupHealth.Backup(n, "Failed", t.plusSeconds(60), "AccessDenied")));
    }

    @Test
    void backupsShowOnlyWhenTheStackHasThem() {
        MessageStackStatus s = StatusCalculator.withBackups(StatusCalculator.calculate(null, allReady(List.of()), 1, "T"),
                false, health(null, null), 1, "T");
        assertNull(Conditions.find(s.conditions, Conditions.BACKUP_FAILING));
        assertNull(s.backup);
        MessageStackStatus configured = StatusCalculator.withBackups(
                StatusCalculator.calculate(null, allReady(List.of()), 1, "T"), true, health(null, null), 1, "T");
        assertEquals("NoBackupYet", Conditions.find(configured.conditions, Conditions.BACKUP_FAILING).getReason());
        assertFalse(Conditions.isTrue(configured.conditions, Conditions.BACKUP_FAILING));
    }

    @Test
    void aFailedBackupIsFailingUntilOneSucceeds() {
        MessageStackStatus ok = StatusCalculator.withBackups(StatusCalculator.calculate(null, allReady(List.of()), 1, "T1"),
                true, health("b1", null), 1, "T1");
        assertEquals("BackupSucceeded", Conditions.find(ok.conditions, Conditions.BACKUP_FAILING).getReason());
        assertEquals("b1", ok.backup.lastSuccessfulBackup);
        assertEquals("2026-12-06T12:00:00Z", ok.backup.lastSuccessfulTime);

        MessageStackStatus failing = StatusCalculator.withBackups(StatusCalculator.calculate(ok, allReady(List.of()), 1, "T2"),
                true, health("b1", "b2"), 1, "T2");
        var c = Conditions.find(failing.conditions, Conditions.BACKUP_FAILING);
        assertTrue(Conditions.isTrue(failing.conditions, Conditions.BACKUP_FAILING));
        assertEquals("BackupFailed", c.getReason());
        assertEquals("backup b2 failed: AccessDenied; the last successful backup is b1 (2026-12-06T12:00:00Z)", c.getMessage());
        assertEquals("T2", c.getLastTransitionTime());
        assertEquals("b1", failing.backup.lastSuccessfulBackup, "the last success stays visible while failing");
        assertTrue(Conditions.isTrue(failing.conditions, Conditions.READY), "a failing backup does not make the stack unready");

        // Backups removed from the spec but still present: the condition stays.
        MessageStackStatus unconfigured = StatusCalculator.withBackups(
                StatusCalculator.calculate(failing, allReady(List.of()), 2, "T3"), false, health("b1", "b2"), 2, "T3");
        assertTrue(Conditions.isTrue(unconfigured.conditions, Conditions.BACKUP_FAILING));
        assertEquals("T2", Conditions.find(unconfigured.conditions, Conditions.BACKUP_FAILING).getLastTransitionTime());
    }

    @Test
    void aTierThatWaitsForAnotherIsShownWithoutMakingTheStackUnready() {
        MessageStackStatus s = StatusCalculator.calculate(null, allReady(List.of()), 4, "T");
        s = StatusCalculator.withRolloutWaiting(s, Optional.of("proxy waits for database to finish rolling"), 4, "T");
        var waiting = Conditions.find(s.conditions, Conditions.ROLLOUT_WAITING);
        assertEquals("True", waiting.getStatus());
        assertEquals("proxy waits for database to finish rolling", waiting.getMessage());
        assertTrue(Conditions.isTrue(s.conditions, Conditions.READY), "the waiting tier's pods serve as before");
        s = StatusCalculator.withRolloutWaiting(s, Optional.empty(), 4, "T2");
        assertNull(Conditions.find(s.conditions, Conditions.ROLLOUT_WAITING), "gone once no tier waits");
    }
}
