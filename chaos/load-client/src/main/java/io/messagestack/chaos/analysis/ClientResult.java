package io.messagestack.chaos.analysis;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import java.util.List;
import java.util.Map;

/**
 * One client's numbers in one scenario run (both clients run at the same time, see docs/chaos.md).
 * Times are epoch ms; latencies ms.
 *
 * @param client             {@code careful} or {@code plain}
 * @param failedOperations   creates never acknowledged plus read-backs that never succeeded, after retries
 * @param longestErrorWindowMs the longest run of failed requests not broken by a success ({@link ErrorWindows})
 * @param failureSpanMs      first failed request's send to the last failed request's end; 0 when none failed
 * @param firstFailedMs      send time of the first failed request; null when none failed
 * @param lastFailedEndMs    end of the last failed request; null when none failed
 * @param failedByCause      failed requests by cause: {@code HTTP 502}, {@code timeout}, {@code refused}, ...
 * @param latencyDuringFault requests sent in the fault window ({@link FaultEvents#inFaultWindow})
 * @param verification       null when the database check could not run
 * @param timeline           bins from the run's load start (same origin for every client)
 * @param failedDuringFault  failed requests sent in the fault window (e.g. the restore drill's backup); 0 in
 *                           results written before it was recorded
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ClientResult(
        String client,
        int requests,
        int failedRequests,
        int operations,
        int failedOperations,
        long longestErrorWindowMs,
        long failureSpanMs,
        Long firstFailedMs,
        Long lastFailedEndMs,
        Map<String, Integer> failedByCause,
        LatencyStats.Summary latencyOverall,
        LatencyStats.Summary latencyDuringFault,
        WriteVerification.Result verification,
        List<ErrorWindows.Window> errorWindows,
        List<Timeline.Bin> timeline,
        int failedDuringFault) {

    public ClientResult {
        failedByCause = failedByCause == null ? Map.of() : failedByCause;
        errorWindows = errorWindows == null ? List.of() : errorWindows;
        timeline = timeline == null ? List.of() : timeline;
    }
}
