package io.messagestack.chaos.analysis;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import java.util.List;
import java.util.Map;

/**
 * Everything measured in one scenario run: the content of {@code chaos/results/<scenario>.json}.
 * Times are epoch ms unless the name says otherwise; latencies are ms.
 *
 * @param verification      null when the database check could not run ({@code verificationError} says why)
 * @param failedOperations  creates never acknowledged plus read-backs that never succeeded, after retries
 * @param timeToReadyMs     from the fault's start until Ready again; null if it never became Ready
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
        List<Timeline.Bin> timeline) {

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
