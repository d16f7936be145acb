package io.messagestack.chaos.analysis;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import java.util.List;
import java.util.Map;

/**
 * Everything measured in one scenario run: the content of {@code chaos/results/<scenario>.json}.
 * Times are epoch ms unless the name says otherwise; latencies are ms.
 * The request numbers at the top level (requests ... timeline, verification, errorsByKind) are the
 * first client's, the careful one in the suite, as in results written before issue 15; {@code clients}
 * has every client's numbers, computed by the same function (empty in older results).
 *
 * @param verification      null when the database check could not run ({@code verificationError} says why)
 * @param failedOperations  creates never acknowledged plus read-backs that never succeeded, after retries
 * @param timeToReadyMs     from the fault's start until Ready again; null if it never became Ready
 * @param cluster           Galera cluster size and HAProxy's writer over the run, from the lab's Prometheus
 *                          (empty when the run had none; {@code clusterError} says why when it was asked and failed)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ScenarioResult(
        String scenario,
        String kind,
        String description,
        String environment,
        String runId,
        long loadStartMs,
        long loadEndMs,
        int requests,
        int failedRequests,
        int operations,
        int failedOperations,
        long longestErrorWindowMs,
        List<ErrorWindows.Window> errorWindows,
        LatencyStats.Summary latencyOverall,
        LatencyStats.Summary latencyDuringFault,
        long faultStartMs,
        long faultEndMs,
        Long readyAtMs,
        Long timeToReadyMs,
        WriteVerification.Result verification,
        String verificationError,
        Map<String, Integer> servedBy,
        Map<String, Integer> errorsByKind,
        Map<String, Object> measurements,
        List<String> notes,
        long timelineBinMs,
        List<Timeline.Bin> timeline,
        List<ClientResult> clients,
        List<ClusterSeries.Sample> cluster,
        String clusterError) {

    public ScenarioResult {
        clients = clients == null ? List.of() : List.copyOf(clients);
        cluster = cluster == null ? List.of() : List.copyOf(cluster);
    }

    /** This result with the run's cluster series, or with the reason it could not be read. */
    public ScenarioResult withCluster(List<ClusterSeries.Sample> samples, String error) {
        return new ScenarioResult(scenario, kind, description, environment, runId, loadStartMs, loadEndMs, requests,
                failedRequests, operations, failedOperations, longestErrorWindowMs, errorWindows, latencyOverall,
                latencyDuringFault, faultStartMs, faultEndMs, readyAtMs, timeToReadyMs, verification,
                verificationError, servedBy, errorsByKind, measurements, notes, timelineBinMs, timeline, clients,
                samples, error);
    }

    /** Before issue 15 (tests, older results): one client, no per-client list. */
    public ScenarioResult(String scenario, String kind, String description, String environment, String runId,
                          long loadStartMs, long loadEndMs, int requests, int failedRequests, int operations,
                          int failedOperations, long longestErrorWindowMs, List<ErrorWindows.Window> errorWindows,
                          LatencyStats.Summary latencyOverall, LatencyStats.Summary latencyDuringFault,
                          long faultStartMs, long faultEndMs, Long readyAtMs, Long timeToReadyMs,
                          WriteVerification.Result verification, String verificationError,
                          Map<String, Integer> servedBy, Map<String, Integer> errorsByKind,
                          Map<String, Object> measurements, List<String> notes, long timelineBinMs,
                          List<Timeline.Bin> timeline) {
        this(scenario, kind, description, environment, runId, loadStartMs, loadEndMs, requests, failedRequests,
                operations, failedOperations, longestErrorWindowMs, errorWindows, latencyOverall, latencyDuringFault,
                faultStartMs, faultEndMs, readyAtMs, timeToReadyMs, verification, verificationError, servedBy,
                errorsByKind, measurements, notes, timelineBinMs, timeline, List.of(), List.of(), null);
    }

    /** One client's numbers, or null when that client did not run. */
    public ClientResult client(String name) {
        return clients.stream().filter(c -> c.client().equals(name)).findFirst().orElse(null);
    }

    /**
     * Failed requests sent before the fault (from the timeline's bins that end before it): the
     * baseline's own errors, e.g. timeouts of a starved machine, which the fault did not cause.
     */
    public int failedBeforeFault() {
        return timeline.stream()
                .filter(b -> loadStartMs + b.offsetMs() + timelineBinMs <= faultStartMs)
                .mapToInt(Timeline.Bin::failed).sum();
    }
}
