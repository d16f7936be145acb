package io.messagestack.operator.database;

import io.messagestack.operator.crd.GaleraNodeStatus;
import io.messagestack.operator.database.FullCrashRecovery.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static io.messagestack.operator.database.FullCrashRecovery.ZERO_UUID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One row per rule of FullCrashRecovery (the same rules as the table in docs/dataplane.md). */
class FullCrashRecoveryTest {
    private static final String U = "69a5882d-e8dd-11f1-a129-7fb5ec1daa7b";
    private static final String V = "11111111-e8dd-11f1-a129-7fb5ec1daa7b";
    private static final List<String> PODS = List.of("db-0", "db-1", "db-2");

    private static GaleraProbe.NodeState st(String clusterStatus, boolean running, boolean requested, boolean hasData,
                                            String grastateUuid, String recoveryState, String uuid, Long seqno,
                                            boolean safe, String error, String errors) {
        return new GaleraProbe.NodeState(clusterStatus, 0, false, "waiting".equals(recoveryState), requested, uuid,
                seqno, safe, running, hasData, grastateUuid, recoveryState, error, error == null ? 0 : 4, null, null,
                null, errors);
    }

    private static GaleraProbe.PodState pod(String pod, GaleraProbe.NodeState s) {
        return new GaleraProbe.PodState(pod, "10.0.0." + pod.charAt(pod.length() - 1), s);
    }

    static GaleraProbe.PodState waiting(String pod, String uuid, Long seqno, boolean safe) {
        return pod(pod, st("", false, false, true, uuid, "waiting", uuid, seqno, safe, null, null));
    }

    static GaleraProbe.PodState waiting(String pod, long seqno) {
        return waiting(pod, U, seqno, false);
    }

    static GaleraProbe.PodState recovering(String pod, String error) {
        return pod(pod, st("", false, false, true, U, "recovering", U, null, false, error, null));
    }

    static GaleraProbe.PodState needsSst(String pod) {
        return pod(pod, st("", false, false, true, ZERO_UUID, "needs-sst", ZERO_UUID, null, false, null, null));
    }

    static GaleraProbe.PodState empty(String pod) {
        return pod(pod, st("", false, false, false, null, null, null, null, false, null, null));
    }

    static GaleraProbe.PodState primary(String pod) {
        return pod(pod, st("Primary", true, false, true, U, null, null, null, false, null, null));
    }

    static GaleraProbe.PodState requested(String pod) {
        return pod(pod, st("", false, true, true, U, "waiting", U, 12L, false, null, null));
    }

    static GaleraProbe.PodState starting(String pod) {
        return pod(pod, st("", false, false, true, U, null, null, null, false, null, null));
    }

    static GaleraProbe.PodState runningNonPrimary(String pod) {
        return pod(pod, st("non-Primary", true, false, true, U, null, null, null, false, null, null));
    }

    static Stream<Arguments> rules() {
        return Stream.of(
                // name, answered agents, force annotation, outcome, pod, condition reason, message must contain
                row("most advanced node bootstraps", List.of(waiting("db-0", 10), waiting("db-1", 12),
                        waiting("db-2", 11)), null, Outcome.BOOTSTRAP, "db-1", "BootstrapMostAdvanced", "seqno 12"),
                row("equal positions: safe_to_bootstrap wins", List.of(waiting("db-0", U, 12L, false),
                        waiting("db-1", U, 12L, false), waiting("db-2", U, 12L, true)), null, Outcome.BOOTSTRAP,
                        "db-2", "BootstrapMostAdvanced", "safe_to_bootstrap"),
                row("equal positions, none safe: lowest ordinal", List.of(waiting("db-0", 12), waiting("db-1", 12),
                        waiting("db-2", 12)), null, Outcome.BOOTSTRAP, "db-0", "BootstrapMostAdvanced", "seqno 12"),
                row("a higher seqno wins over safe_to_bootstrap on the same history", List.of(
                        waiting("db-0", U, 10L, true), waiting("db-1", U, 12L, false), waiting("db-2", U, 9L, false)),
                        null, Outcome.BOOTSTRAP, "db-1", "BootstrapMostAdvanced", "seqno 12"),
                row("seqno 0 is a position (mariadb-operator 959)", List.of(waiting("db-0", 0), waiting("db-1", 0),
                        waiting("db-2", 0)), null, Outcome.BOOTSTRAP, "db-0", "BootstrapMostAdvanced", "seqno 0"),
                row("a Primary component exists: nothing to decide, a force is ignored", List.of(primary("db-0"),
                        waiting("db-1", 12), waiting("db-2", 11)), "db-1", Outcome.NONE, null, "PrimaryComponent",
                        "ignored"),
                row("no node waits for a recovery decision (start-up, state transfer)", List.of(empty("db-0"),
                        starting("db-1")), null, Outcome.NONE, null, "NoRecovery", "no node waits"),
                row("a bootstrap was requested: wait for its Primary component", List.of(requested("db-0"),
                        waiting("db-1", 12), waiting("db-2", 11)), null, Outcome.WAIT, null, "WaitingForBootstrap",
                        "db-0"),
                row("an agent does not answer: it may hold the newest commits", List.of(waiting("db-0", 12),
                        waiting("db-1", 11)), null, Outcome.WAIT, null, "WaitingForPositions",
                        "db-2 (no-answer: agent does not answer)"),
                row("--wsrep-recover keeps failing on one node (it retries; the lock of a dying pod)", List.of(
                        waiting("db-0", 12), recovering("db-1", "Unable to lock ./ibdata1"), waiting("db-2", 11)),
                        null, Outcome.WAIT, null, "WaitingForPositions", "db-1 (recovering: attempt 4, Unable to lock"),
                row("an older script published -1: unknown, not ranked last", List.of(waiting("db-0", 12),
                        waiting("db-1", U, -1L, false), waiting("db-2", 11)), null, Outcome.WAIT, null,
                        "WaitingForPositions", "db-1 (unknown: position unknown (state waiting, seqno -1))"),
                row("a null seqno is unknown, never 0", List.of(waiting("db-0", 12), waiting("db-1", U, null, false),
                        waiting("db-2", 11)), null, Outcome.WAIT, null, "WaitingForPositions", "seqno null"),
                row("no node knows its position: wait, do not pick", List.of(waiting("db-0", U, -1L, false),
                        recovering("db-1", "x"), recovering("db-2", "y")), null, Outcome.WAIT, null,
                        "WaitingForPositions", "db-0"),
                row("a node with data that has not reported yet", List.of(waiting("db-0", 12), starting("db-1"),
                        waiting("db-2", 11)), null, Outcome.WAIT, null, "WaitingForPositions",
                        "db-1 (starting"),
                row("a server running outside a Primary component", List.of(waiting("db-0", 12),
                        runningNonPrimary("db-1"), waiting("db-2", 11)), null, Outcome.WAIT, null,
                        "WaitingForPositions", "db-1 (running: server running, cluster status non-Primary)"),
                row("an agent that cannot read its datadir", List.of(waiting("db-0", 12),
                        pod("db-1", st("", false, false, true, null, null, null, null, false, null,
                                "grastate.dat: seqno \"x\" is not a number")), waiting("db-2", 11)), null,
                        Outcome.WAIT, null, "WaitingForPositions", "cannot read the datadir"),
                row("the newest node on a minority history is not outvoted", List.of(waiting("db-0", V, 99L, false),
                        waiting("db-1", U, 12L, false), waiting("db-2", U, 11L, false)), null, Outcome.REFUSE, null,
                        "HistoriesDisagree", "db-0 on history " + V + " (seqno 99); db-1, db-2 on history " + U),
                row("three histories", List.of(waiting("db-0", V, 1L, false), waiting("db-1", U, 2L, false),
                        waiting("db-2", "22222222-e8dd-11f1-a129-7fb5ec1daa7b", 3L, false)), null, Outcome.REFUSE,
                        null, "HistoriesDisagree", FullCrashRecovery.FORCE_ANNOTATION),
                row("an aborted state transfer (zero uuid) is no source and does not block", List.of(needsSst("db-0"),
                        waiting("db-1", 12), waiting("db-2", 11)), null, Outcome.BOOTSTRAP, "db-1",
                        "BootstrapMostAdvanced", "db-0 (needs-sst"),
                row("zero uuid in grastate.dat, but InnoDB gave a better-looking position (mariadb-operator 1108)",
                        List.of(pod("db-0", st("", false, false, true, ZERO_UUID, "waiting", U, 500L, true, null,
                                null)), waiting("db-1", 12), waiting("db-2", 11)), null, Outcome.BOOTSTRAP, "db-1",
                        "BootstrapMostAdvanced", "db-0 (needs-sst"),
                row("--wsrep-recover returned the zero uuid (never joined / aborted SST, mariadb-operator 1701)",
                        List.of(waiting("db-0", ZERO_UUID, -1L, true), waiting("db-1", 12), waiting("db-2", 11)),
                        null, Outcome.BOOTSTRAP, "db-1", "BootstrapMostAdvanced", "db-0 (needs-sst"),
                row("an empty volume (replaced disk) beside nodes with data", List.of(empty("db-0"),
                        waiting("db-1", 11), waiting("db-2", 12)), null, Outcome.BOOTSTRAP, "db-2",
                        "BootstrapMostAdvanced", "db-0 (no-data: empty datadir)"),
                row("no node holds a complete history", List.of(needsSst("db-0"), empty("db-1"), needsSst("db-2")),
                        null, Outcome.REFUSE, null, "NoBootstrapSource", "db-0 (needs-sst"),
                row("a person forces a node despite disagreeing histories", List.of(waiting("db-0", V, 99L, false),
                        waiting("db-1", U, 12L, false), waiting("db-2", U, 11L, false)), "db-0", Outcome.BOOTSTRAP,
                        "db-0", "BootstrapForced", "forced by annotation messagestack.io/force-bootstrap=db-0"),
                row("a person forces a node while another's position is unknown", List.of(waiting("db-0", 12),
                        waiting("db-1", 11)), "db-1", Outcome.BOOTSTRAP, "db-1", "BootstrapForced",
                        "db-2 no-answer"),
                row("the force annotation names no pod of the stack", List.of(waiting("db-0", 12), waiting("db-1", 11),
                        waiting("db-2", 10)), "db-7", Outcome.REFUSE, null, "ForceBootstrapInvalid",
                        "db-7 names no database pod"),
                row("the forced node does not know its position", List.of(waiting("db-0", 12),
                        recovering("db-1", "Unable to lock"), waiting("db-2", 10)), "db-1", Outcome.WAIT, null,
                        "ForceBootstrapNotPossible", "db-1 (recovering"),
                row("a pod beyond the replicas (scale-down leftover) has no vote", List.of(waiting("db-0", 12),
                        waiting("db-1", 11), waiting("db-2", 10), waiting("db-3", V, 99L, false)), null,
                        Outcome.BOOTSTRAP, "db-0", "BootstrapMostAdvanced", "seqno 12"));
    }

    private static Arguments row(String name, List<GaleraProbe.PodState> answered, String force, Outcome outcome,
                                 String pod, String reason, String messagePart) {
        return Arguments.of(name, answered, force, outcome, pod, reason, messagePart);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void rule(String name, List<GaleraProbe.PodState> answered, String force, Outcome outcome, String pod,
              String reason, String messagePart) {
        FullCrashRecovery.Decision d = FullCrashRecovery.decide(PODS, answered, force);
        assertEquals(outcome, d.outcome(), d.message());
        assertEquals(pod, d.pod(), d.message());
        assertEquals(reason, d.reason(), d.message());
        assertTrue(d.message().contains(messagePart), "message lacks '" + messagePart + "': " + d.message());
        assertEquals(force != null && outcome == Outcome.BOOTSTRAP, d.forced());
        if (d.forced()) {
            assertEquals(force, d.forcedBy());
        }
        if (outcome == Outcome.BOOTSTRAP) {
            assertEquals("10.0.0." + pod.charAt(pod.length() - 1), d.ip());
        }
    }

    @Test
    void thePerNodeTableNeverShowsAnUnknownPositionAsANumber() {
        List<GaleraNodeStatus> rows = FullCrashRecovery.decide(PODS, List.of(waiting("db-0", U, 12L, true),
                waiting("db-1", U, -1L, false), recovering("db-2", "Unable to lock")), null).rows();
        assertEquals(3, rows.size());
        assertEquals("db-0", rows.get(0).pod);
        assertEquals(12L, rows.get(0).seqno);
        assertTrue(rows.get(0).safeToBootstrap);
        assertEquals("waiting", rows.get(0).state);
        assertNull(rows.get(1).seqno);
        assertEquals("unknown", rows.get(1).state);
        assertNull(rows.get(2).seqno);
        assertEquals("recovering", rows.get(2).state);
        assertTrue(rows.get(2).detail.contains("Unable to lock"));
        assertFalse(rows.stream().anyMatch(r -> r.since != null), "since is set by the status calculator");
    }
}
