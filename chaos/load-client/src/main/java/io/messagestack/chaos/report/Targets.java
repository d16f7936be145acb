package io.messagestack.chaos.report;

import io.messagestack.chaos.analysis.ClientResult;
import io.messagestack.chaos.analysis.ScenarioResult;
import io.messagestack.chaos.analysis.WriteVerification;
import io.messagestack.chaos.load.ClientPolicy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The targets of issue 5, decided from the measured numbers only. A scenario's {@code kind} says which
 * apply; every scenario must also lose no acknowledged write, duplicate none, and become Ready again.
 * Those kind targets are checked on the top-level numbers (the careful client's). Every other client
 * that ran gets its own data targets, and the plain client the availability targets of issue 15
 * (names end with " (plain client)"); chaos/run.sh's safety gate reads the data targets of every client.
 */
public final class Targets {
    /** Issue 15: node loss costs a plain client at most this from its first to its last failed request. */
    public static final long PLAIN_NODE_LOSS_MAX_SPAN_MS = 1000;
    /** Issue 15: the plain client's p99 latency during a node loss. */
    public static final long PLAIN_NODE_LOSS_MAX_P99_MS = 2000;
    public static final long WORKER_STOP_MAX_ERROR_WINDOW_MS = 3000;
    public static final long VIP_MOVE_MAX_MS = 3000;
    public static final long FULL_CRASH_MAX_READY_MS = 120_000;
    /** Issue 14: the archive at most this far behind the last acknowledged write under steady load. */
    public static final long RESTORE_DRILL_MAX_RPO_MS = 5000;

    private Targets() {
    }

    public static List<Target> evaluate(ScenarioResult r) {
        List<Target> targets = new ArrayList<>();
        switch (r.kind()) {
            case "pod-kill", "operator-kill", "rolling-change", "scaling", "drain-node" -> targets.add(zeroFailed(r));
            // Issue 16's alert scenarios (chaos/alert-check.sh): a desynced node that is not the writer costs no
            // request; flow control stalls every write for minutes on purpose, so only the data targets apply.
            case "desync-node" -> targets.add(zeroFailed(r));
            // backup-age: backups that look 27 h old, then a new backup; neither may cost a request.
            case "backup-age" -> targets.add(zeroFailed(r));
            case "flow-control" -> {
            }
            case "switchover" -> {
                // Issue 15: a planned move of HAProxy's writer to a named Synced node.
                targets.add(zeroFailed(r));
                targets.add(flag(r.measurements(), "writerMoved", "the writer moved to the named node"));
            }
            case "operator-upgrade" -> {
                // Issue 13: an operator upgrade under load; a database pod it must restart goes one at a time.
                targets.add(zeroFailed(r));
                targets.add(flag(r.measurements(), "dbRestartsOneAtATime", "database pods restarted one at a time"));
                targets.add(flag(r.measurements(), "operatorUpgraded", "every operator pod runs the new image"));
            }
            case "worker-stop" -> targets.add(Target.check("longest error window",
                    "<= " + seconds(WORKER_STOP_MAX_ERROR_WINDOW_MS),
                    seconds(r.longestErrorWindowMs()),
                    r.longestErrorWindowMs() <= WORKER_STOP_MAX_ERROR_WINDOW_MS,
                    "over by " + seconds(r.longestErrorWindowMs() - WORKER_STOP_MAX_ERROR_WINDOW_MS)));
            case "workers-half-stop", "data-only" -> {
                // Issue 5 sets no error budget for losing half the workers; only the data targets apply.
                // data-only: the loopback smoke test of the client itself.
            }
            case "process-kill" -> targets.add(vipMove(r.measurements()));
            case "full-crash" -> targets.add(r.timeToReadyMs() == null
                    ? Target.check("back to Ready automatically", "<= " + seconds(FULL_CRASH_MAX_READY_MS),
                    "never Ready", false, "did not recover within the wait")
                    : Target.check("back to Ready automatically", "<= " + seconds(FULL_CRASH_MAX_READY_MS),
                    seconds(r.timeToReadyMs()), r.timeToReadyMs() <= FULL_CRASH_MAX_READY_MS,
                    "over by " + seconds(r.timeToReadyMs() - FULL_CRASH_MAX_READY_MS)));
            case "restore-drill" -> targets.addAll(restoreDrill(r));
            case "partition" -> {
                targets.add(flag(r.measurements(), "isolatedNodeRefusedWrite", "isolated node refuses writes"));
                targets.add(flag(r.measurements(), "rejoinedWithoutManualStep", "rejoins after the heal, no manual step"));
            }
            default -> throw new IllegalArgumentException("scenario " + r.scenario() + ": unknown kind '" + r.kind()
                    + "' (known: pod-kill, operator-kill, operator-upgrade, rolling-change, scaling, switchover, drain-node,"
                    + " worker-stop, workers-half-stop, process-kill, full-crash, partition, restore-drill, desync-node,"
                    + " flow-control, backup-age, data-only)");
        }
        if (!"full-crash".equals(r.kind())) {
            targets.add(r.timeToReadyMs() == null
                    ? Target.check("Ready again", "yes", "never Ready", false, "did not become Ready within the wait")
                    : Target.check("Ready again", "yes", "after " + seconds(r.timeToReadyMs()), true, null));
        }
        dataTargets(targets, "", r.verification(), r.verificationError());
        String primary = r.clients().isEmpty() ? null : r.clients().get(0).client();
        for (ClientResult c : r.clients()) {
            if (c.client().equals(primary)) {
                continue; // its numbers are the top level's, checked above
            }
            String suffix = " (" + c.client() + " client)";
            if (c.requests() == 0) {
                String why = "the " + c.client() + " client sent no request";
                targets.add(Target.notMeasured("acknowledged writes lost" + suffix, "0", why));
                targets.add(Target.notMeasured("duplicated writes" + suffix, "0", why));
                continue;
            }
            if (ClientPolicy.PLAIN.equals(c.client())) {
                targets.addAll(plainAvailability(r.kind(), c, suffix));
            }
            dataTargets(targets, suffix, c.verification(), r.verificationError());
        }
        return targets;
    }

    /**
     * Issue 15's targets for a client that never retries: zero failed requests for a single fault;
     * for node loss a failure span of at most 1 s and a p99 during the fault of at most 2 s. Other
     * kinds (process kill, partition, half the workers, full crash) have no availability target for it.
     */
    static List<Target> plainAvailability(String kind, ClientResult c, String suffix) {
        List<Target> out = new ArrayList<>();
        switch (kind) {
            case "restore-drill" -> out.add(failedDuringBackup(c, suffix));
            case "pod-kill", "operator-kill", "operator-upgrade", "rolling-change", "scaling", "switchover",
                 "drain-node" -> out.add(Target.check(
                    "failed requests" + suffix, "0", c.failedRequests() + " of " + c.requests(),
                    c.failedRequests() == 0, c.failedRequests() + " failed"));
            case "worker-stop" -> {
                out.add(Target.check("failure span" + suffix, "<= " + seconds(PLAIN_NODE_LOSS_MAX_SPAN_MS),
                        seconds(c.failureSpanMs()) + " (" + c.failedRequests() + " failed)",
                        c.failureSpanMs() <= PLAIN_NODE_LOSS_MAX_SPAN_MS,
                        "over by " + seconds(c.failureSpanMs() - PLAIN_NODE_LOSS_MAX_SPAN_MS)));
                double p99 = c.latencyDuringFault().p99();
                out.add(Target.check("p99 during fault" + suffix, "<= " + seconds(PLAIN_NODE_LOSS_MAX_P99_MS),
                        seconds(Math.round(p99)), p99 <= PLAIN_NODE_LOSS_MAX_P99_MS,
                        "over by " + seconds(Math.round(p99) - PLAIN_NODE_LOSS_MAX_P99_MS)));
            }
            default -> {
            }
        }
        return out;
    }

    /**
     * Issue 14's restore drill: the fault window is the backup, which must cost no request; the archive's recovery
     * point under the load at most 5 s; the stack restored to T holds nothing written after T (nothing acknowledged
     * before T missing is the data target every scenario has, read from the restored stack); the restored stack
     * became Ready (its time is the RTO, reported).
     */
    static List<Target> restoreDrill(ScenarioResult r) {
        List<Target> out = new ArrayList<>();
        Map<String, Object> m = r.measurements();
        if (!r.clients().isEmpty()) {
            out.add(failedDuringBackup(r.clients().get(0), ""));
        }
        Object rpo = m.get("rpoMaxMs");
        out.add(rpo instanceof Number n
                ? Target.check("recovery point (archive behind an acknowledged write, max)",
                "<= " + seconds(RESTORE_DRILL_MAX_RPO_MS), seconds(n.longValue()),
                n.longValue() <= RESTORE_DRILL_MAX_RPO_MS, "over by " + seconds(n.longValue() - RESTORE_DRILL_MAX_RPO_MS))
                : Target.notMeasured("recovery point (archive behind an acknowledged write, max)",
                "<= " + seconds(RESTORE_DRILL_MAX_RPO_MS), "rpoMaxMs not recorded"));
        Object rto = m.get("rtoMs");
        out.add(rto instanceof Number n
                ? Target.check("restored stack Ready", "yes", "after " + seconds(n.longValue()), true, null)
                : Target.check("restored stack Ready", "yes", "never Ready", false, "the restored stack was not Ready"));
        for (ClientResult c : r.clients()) {
            String key = "restoredAfterPoint_" + c.client();
            Object v = m.get(key);
            String name = "writes sent after T restored (" + c.client() + " client)";
            out.add(v instanceof Number n
                    ? Target.check(name, "0", String.valueOf(n.intValue()), n.intValue() == 0, n.intValue() + " restored")
                    : Target.notMeasured(name, "0", key + " not recorded"));
        }
        return out;
    }

    private static Target failedDuringBackup(ClientResult c, String suffix) {
        return Target.check("failed requests during the backup" + suffix, "0", String.valueOf(c.failedDuringFault()),
                c.failedDuringFault() == 0, c.failedDuringFault() + " failed");
    }

    private static void dataTargets(List<Target> targets, String suffix, WriteVerification.Result v,
                                    String verificationError) {
        if (v == null) {
            String why = "database check failed: " + verificationError;
            targets.add(Target.notMeasured("acknowledged writes lost" + suffix, "0", why));
            targets.add(Target.notMeasured("duplicated writes" + suffix, "0", why));
        } else {
            targets.add(Target.check("acknowledged writes lost" + suffix, "0", v.lost() + " of " + v.acknowledged(),
                    v.lost() == 0, v.lost() + " lost"));
            int dup = v.duplicates() + v.conflictingPks();
            targets.add(Target.check("duplicated writes" + suffix, "0", String.valueOf(dup), dup == 0,
                    dup + " duplicated"));
        }
    }

    /** Met only when every target is met; a target not measured counts as not met. */
    public static boolean allMet(List<Target> targets) {
        return targets.stream().allMatch(t -> t.status() == Target.Status.MET);
    }

    private static Target zeroFailed(ScenarioResult r) {
        return Target.check("failed requests", "0", r.failedRequests() + " of " + r.requests(),
                r.failedRequests() == 0, r.failedRequests() + " failed");
    }

    private static Target vipMove(Map<String, Object> m) {
        String name = "VIP leaves the node";
        String limit = "<= " + seconds(VIP_MOVE_MAX_MS);
        if (!Boolean.TRUE.equals(m.get("vipEnabled"))) {
            return Target.notMeasured(name, limit, "vip is off in this MessageStack");
        }
        Object ms = m.get("vipMoveMs");
        if (!(ms instanceof Number n)) {
            return Target.check(name, limit, "did not move", false, "the VIP stayed on the node");
        }
        long v = n.longValue();
        return Target.check(name, limit, seconds(v), v <= VIP_MOVE_MAX_MS, "over by " + seconds(v - VIP_MOVE_MAX_MS));
    }

    private static Target flag(Map<String, Object> m, String key, String name) {
        Object v = m.get(key);
        if (v == null) {
            return Target.notMeasured(name, "yes", key + " not recorded");
        }
        return Target.check(name, "yes", Boolean.TRUE.equals(v) ? "yes" : "no", Boolean.TRUE.equals(v), "no");
    }

    static String seconds(long ms) {
        return String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
    }
}
