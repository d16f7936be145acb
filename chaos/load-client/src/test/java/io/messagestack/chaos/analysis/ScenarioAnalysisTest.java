package io.messagestack.chaos.analysis;

import io.messagestack.chaos.record.RequestRecord;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.messagestack.chaos.analysis.Records.failed;
import static io.messagestack.chaos.analysis.Records.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ScenarioAnalysisTest {
    static final long T0 = 1_700_000_000_000L;

    /** 10 s of one request per 100 ms at 5 ms; from 4 s to 5 s requests fail after 300 ms. */
    static List<RequestRecord> tenSecondsWithOneSecondOfErrors() {
        List<RequestRecord> records = new ArrayList<>();
        for (long t = 0; t < 10_000; t += 100) {
            records.add(t >= 4000 && t < 5000 ? failed(T0 + t, 300) : ok(T0 + t, 5));
        }
        return records;
    }

    static FaultEvents events(String kind, Long readyAfterMs) {
        return new FaultEvents("s1", kind, "test", "kind test", T0 + 3900, T0 + 4000,
                readyAfterMs == null ? null : T0 + 3900 + readyAfterMs, Map.of(), List.of());
    }

    @Test
    void countsWindowsAndFaultLatency() {
        ScenarioResult r = ScenarioAnalysis.analyze("run", tenSecondsWithOneSecondOfErrors(), events("pod-kill", 2100L),
                null, "no db");
        assertEquals(100, r.requests());
        assertEquals(10, r.failedRequests());
        assertEquals(1200, r.longestErrorWindowMs()); // 4000 .. 4900 + 300
        // During the fault: sends from 3900 to 6000 (Ready at 3900 + 2100): 22 requests, 10 slow.
        assertEquals(22, r.latencyDuringFault().count());
        assertEquals(300.0, r.latencyDuringFault().p99());
        assertEquals(5.0, r.latencyOverall().p50());
        assertEquals(2100L, r.timeToReadyMs());
        assertEquals(Map.of("read: HTTP 502", 10), r.errorsByKind());
        assertEquals(20, r.timeline().size()); // 10 s in 500 ms bins
        assertEquals(5, r.timeline().get(8).failed());
    }

    @Test
    void failuresBeforeTheFaultAreCountedApart() {
        List<RequestRecord> records = new ArrayList<>(tenSecondsWithOneSecondOfErrors());
        records.set(10, failed(T0 + 1000, 300)); // a baseline timeout, 2.9 s before the fault
        ScenarioResult r = ScenarioAnalysis.analyze("run", records, events("pod-kill", 2100L), null, "no db");
        assertEquals(11, r.failedRequests());
        assertEquals(1, r.failedBeforeFault());
    }

    @Test
    void neverReadyHasNoTimeToReadyAndTheFaultLastsToTheEnd() {
        ScenarioResult r = ScenarioAnalysis.analyze("run", tenSecondsWithOneSecondOfErrors(), events("pod-kill", null),
                null, "no db");
        assertEquals(null, r.timeToReadyMs());
        assertEquals(61, r.latencyDuringFault().count()); // every send from 3900 ms to 9900 ms
    }

    @Test
    void eventsWithoutFaultTimesAreRefusedNamingTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new FaultEvents("s", "pod-kill", null, null, 0, 0, null, null, null));
        assertEquals(true, e.getMessage().contains("faultStartMs"));
    }

    @Test
    void operationsCountRetriesOnce() {
        List<RequestRecord> records = List.of(
                Records.create("a", 1, 502, null), Records.create("a", 2, 201, 1L),
                Records.create("b", 1, 0, null), Records.create("b", 2, 0, null));
        ScenarioResult r = ScenarioAnalysis.analyze("run", records, events("pod-kill", 10L), null, "no db");
        assertEquals(4, r.requests());
        assertEquals(3, r.failedRequests());
        assertEquals(2, r.operations());
        assertEquals(1, r.failedOperations());
    }
}
