package io.messagestack.chaos.analysis;

import io.messagestack.chaos.record.RequestRecord;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Turns the request log, the fault's timestamps and the database check into a {@link ScenarioResult}. */
public final class ScenarioAnalysis {
    public static final long BIN_MS = 500;

    private ScenarioAnalysis() {
    }

    /** One client (or the clients found in the records), one verification for the first of them. */
    public static ScenarioResult analyze(String runId, List<RequestRecord> records, FaultEvents events,
                                         WriteVerification.Result verification, String verificationError) {
        List<String> clients = clientsIn(records);
        Map<String, WriteVerification.Result> byClient = new HashMap<>();
        if (verification != null) {
            byClient.put(clients.get(0), verification);
        }
        return analyze(runId, records, events, clients, byClient, verificationError);
    }

    /**
     * @param clients        the clients that ran, the first one also filling the top-level numbers; a client
     *                       without a single record still gets a result (with 0 requests), so it cannot pass unseen
     * @param verifications  per client; a client missing here was not checked ({@code verificationError} says why)
     */
    public static ScenarioResult analyze(String runId, List<RequestRecord> records, FaultEvents events,
                                         List<String> clients, Map<String, WriteVerification.Result> verifications,
                                         String verificationError) {
        long loadStart = records.stream().mapToLong(RequestRecord::startMs).min().orElse(events.faultStartMs());
        long loadEnd = records.stream().mapToLong(RequestRecord::endMs).max().orElse(events.faultEndMs());
        List<ClientResult> results = new ArrayList<>();
        for (String c : withClientsIn(clients, records)) {
            results.add(client(c, records.stream().filter(r -> r.client().equals(c)).toList(), events,
                    verifications.get(c), loadStart));
        }
        ClientResult first = results.get(0);
        List<RequestRecord> firstRecords = records.stream().filter(r -> r.client().equals(first.client())).toList();

        Map<String, Integer> servedBy = new TreeMap<>();
        Map<String, Integer> errorsByKind = new TreeMap<>();
        for (RequestRecord r : firstRecords) {
            if (r.servedBy() != null) {
                servedBy.merge(r.servedBy(), 1, Integer::sum);
            }
            if (!r.ok()) {
                errorsByKind.merge(r.op() + ": " + errorKind(r.error()), 1, Integer::sum);
            }
        }
        Long timeToReady = events.readyAtMs() == null ? null : events.readyAtMs() - events.faultStartMs();
        return new ScenarioResult(events.scenario(), events.kind(), events.description(), events.environment(), runId,
                loadStart, loadEnd, first.requests(), first.failedRequests(), first.operations(),
                first.failedOperations(), first.longestErrorWindowMs(), first.errorWindows(),
                first.latencyOverall(), first.latencyDuringFault(), events.faultStartMs(), events.faultEndMs(),
                events.readyAtMs(), timeToReady, first.verification(), verificationError, servedBy, errorsByKind,
                events.measurements(), events.notes(), BIN_MS, first.timeline(), results, List.of(), null);
    }

    /** One client's numbers from its own records; every client is measured by this one function. */
    public static ClientResult client(String name, List<RequestRecord> records, FaultEvents events,
                                      WriteVerification.Result verification, long originMs) {
        int failed = (int) records.stream().filter(r -> !r.ok()).count();
        // An operation is one create or one read-back of one message (one subject), over all its attempts.
        Map<String, Boolean> operationOk = new HashMap<>();
        for (RequestRecord r : records) {
            operationOk.merge(r.op() + " " + r.subject(), r.ok(), Boolean::logicalOr);
        }
        int failedOps = (int) operationOk.values().stream().filter(ok -> !ok).count();
        List<ErrorWindows.Window> windows = ErrorWindows.of(records);
        ErrorWindows.Window longest = ErrorWindows.longest(windows);
        ErrorWindows.Span span = ErrorWindows.span(records);
        Map<String, Integer> byCause = new TreeMap<>();
        records.stream().filter(r -> !r.ok()).forEach(r -> byCause.merge(cause(r), 1, Integer::sum));
        return new ClientResult(name, records.size(), failed, operationOk.size(), failedOps,
                longest == null ? 0 : longest.durationMs(), span == null ? 0 : span.durationMs(),
                span == null ? null : span.firstFailedStartMs(), span == null ? null : span.lastFailedEndMs(),
                byCause, LatencyStats.of(records.stream().map(RequestRecord::latencyMs).toList()),
                LatencyStats.of(records.stream().filter(r -> events.inFaultWindow(r.startMs()))
                        .map(RequestRecord::latencyMs).toList()),
                verification, windows.subList(0, Math.min(20, windows.size())),
                Timeline.of(records, originMs, BIN_MS),
                (int) records.stream().filter(r -> !r.ok() && events.inFaultWindow(r.startMs())).count());
    }

    /**
     * The clients named, then any other client found in the records: a client's requests are never left
     * out because it was not named (unnamed ones are not verified, so their data targets are not met).
     */
    public static List<String> withClientsIn(List<String> named, List<RequestRecord> records) {
        List<String> all = new ArrayList<>(named);
        for (RequestRecord r : records) {
            if (!all.contains(r.client())) {
                all.add(r.client());
            }
        }
        return all.isEmpty() ? List.of(RequestRecord.DEFAULT_CLIENT) : all;
    }

    /** The clients that appear in the records, in order of first appearance; the careful one if none. */
    public static List<String> clientsIn(List<RequestRecord> records) {
        Map<String, Boolean> seen = new LinkedHashMap<>();
        records.forEach(r -> seen.put(r.client(), true));
        return seen.isEmpty() ? List.of(RequestRecord.DEFAULT_CLIENT) : List.copyOf(seen.keySet());
    }

    /** Why a request failed, for the count by cause: its HTTP status, or why no answer came. */
    static String cause(RequestRecord r) {
        if (r.status() != 0 && (r.status() < 200 || r.status() >= 300)) {
            return "HTTP " + r.status();
        }
        return errorKind(r.error());
    }

    /** Groups error texts so the table is readable: "HTTP 502", "timeout", "refused", ... */
    static String errorKind(String error) {
        if (error == null) {
            return "unknown";
        }
        int colon = error.indexOf(':');
        return colon > 0 ? error.substring(0, colon) : error;
    }
}
