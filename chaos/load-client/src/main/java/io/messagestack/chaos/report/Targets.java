package io.messagestack.chaos.report;

import io.messagestack.chaos.analysis.ScenarioResult;
import io.messagestack.chaos.analysis.WriteVerification;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The targets of issue 5, decided from the measured numbers only. A scenario's {@code kind} says which
 * apply; every scenario must also lose no acknowledged write, duplicate none, and become Ready again.
 */
public final class Targets {
    public static final long WORKER_STOP_MAX_ERROR_WINDOW_MS = 3000;
    public static final long VIP_MOVE_MAX_MS = 3000;
    public static final long FULL_CRASH_MAX_READY_MS = 120_000;

    private Targets() {
    }

    public static List<Target> evaluate(ScenarioResult r) {
        List<Target> targets = new ArrayList<>();
        switch (r.kind()) {
            case "pod-kill", "operator-kill", "rolling-change", "scaling" -> targets.add(zeroFailed(r));
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
            case "partition" -> {
                targets.add(flag(r.measurements(), "isolatedNodeRefusedWrite", "isolated node refuses writes"));
                targets.add(flag(r.measurements(), "rejoinedWithoutManualStep", "rejoins after the heal, no manual step"));
            }
            default -> throw new IllegalArgumentException("scenario " + r.scenario() + ": unknown kind '" + r.kind()
                    + "' (known: pod-kill, operator-kill, rolling-change, scaling, worker-stop, workers-half-stop,"
                    + " process-kill, full-crash, partition, data-only)");
        }
        if (!"full-crash".equals(r.kind())) {
            targets.add(r.timeToReadyMs() == null
                    ? Target.check("Ready again", "yes", "never Ready", false, "did not become Ready within the wait")
                    : Target.check("Ready again", "yes", "after " + seconds(r.timeToReadyMs()), true, null));
        }
        WriteVerification.Result v = r.verification();
        if (v == null) {
            String why = "database check failed: " + r.verificationError();
            targets.add(Target.notMeasured("acknowledged writes lost", "0", why));
            targets.add(Target.notMeasured("duplicated writes", "0", why));
        } else {
            targets.add(Target.check("acknowledged writes lost", "0", v.lost() + " of " + v.acknowledged(),
                    v.lost() == 0, v.lost() + " lost"));
            int dup = v.duplicates() + v.conflictingPks();
            targets.add(Target.check("duplicated writes", "0", String.valueOf(dup), dup == 0, dup + " duplicated"));
        }
        return targets;
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
