package io.messagestack.chaos.analysis;

import io.messagestack.chaos.record.RequestRecord;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Turns the request log, the fault's timestamps and the database check into a {@link ScenarioResult}. */
public final class ScenarioAnalysis {
    public static final long BIN_MS = 500;

    private ScenarioAnalysis() {
    }

    public static ScenarioResult analyze(String runId, List<RequestRecord> records, FaultEvents events,
                                         WriteVerification.Result verification, String verificationError) {
        long loadStart = records.stream().mapToLong(RequestRecord::startMs).min().orElse(events.faultStartMs());
        long loadEnd = records.stream().mapToLong(RequestRecord::endMs).max().orElse(events.faultEndMs());
        int failed = (int) records.stream().filter(r -> !r.ok()).count();

        // An operation is one create or one read-back of one message, over all its attempts.
        Map<String, Boolean> operationOk = new HashMap<>();
        for (RequestRecord r : records) {
            operationOk.merge(r.op() + " " + r.key(), r.ok(), Boolean::logicalOr);
        }
        int failedOps = (int) operationOk.values().stream().filter(ok -> !ok).count();

        List<ErrorWindows.Window> windows = ErrorWindows.of(records);
        ErrorWindows.Window longest = ErrorWindows.longest(windows);

        long from = events.faultStartMs();
        long until = events.disturbedUntilMs();
        LatencyStats.Summary overall = LatencyStats.of(records.stream().map(RequestRecord::latencyMs).toList());
        LatencyStats.Summary duringFault = LatencyStats.of(records.stream()
                .filter(r -> r.startMs() >= from && r.startMs() <= until)
                .map(RequestRecord::latencyMs).toList());

        Map<String, Integer> servedBy = new TreeMap<>();
        Map<String, Integer> errorsByKind = new TreeMap<>();
        for (RequestRecord r : records) {
            if (r.servedBy() != null) {
                servedBy.merge(r.servedBy(), 1, Integer::sum);
            }
            if (!r.ok()) {
                errorsByKind.merge(r.op() + ": " + errorKind(r.error()), 1, Integer::sum);
            }
        }
        Long timeToReady = events.readyAtMs() == null ? null : events.readyAtMs() - events.faultStartMs();
        return new ScenarioResult(events.scenario(), events.kind(), events.description(), events.environment(), runId,
                loadStart, loadEnd, records.size(), failed, operationOk.size(), failedOps,
                longest == null ? 0 : longest.durationMs(), windows.subList(0, Math.min(20, windows.size())),
                overall, duringFault, events.faultStartMs(), events.faultEndMs(), events.readyAtMs(), timeToReady,
                verification, verificationError, servedBy, errorsByKind, events.measurements(), events.notes(),
                BIN_MS, Timeline.of(records, loadStart, BIN_MS));
    }

    /** Groups error texts so the table is readable: "HTTP 502", "timeout", "ConnectException", ... */
    static String errorKind(String error) {
        if (error == null) {
            return "unknown";
        }
        int colon = error.indexOf(':');
        return colon > 0 ? error.substring(0, colon) : error;
    }
}
