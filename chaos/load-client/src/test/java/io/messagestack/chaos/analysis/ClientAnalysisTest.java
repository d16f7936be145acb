package io.messagestack.chaos.analysis;

import io.messagestack.chaos.record.RequestRecord;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.messagestack.chaos.analysis.Records.of;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The per-client numbers of issue 15: span vs longest window, causes, the fault window, both clients apart. */
class ClientAnalysisTest {
    static final long T0 = 1_700_000_000_000L;

    record SpanCase(String name, List<RequestRecord> records, long longestWindowMs, long spanMs, Long firstFailedMs,
                    Map<String, Integer> byCause) {
    }

    static final List<SpanCase> SPAN_CASES = List.of(
            new SpanCase("nothing failed", List.of(of("plain", T0, 5, 200, null), of("plain", T0 + 100, 5, 201, null)),
                    0, 0, null, Map.of()),
            new SpanCase("one timeout: window and span are the 5 s the user waited",
                    List.of(of("plain", T0, 5, 200, null), of("plain", T0 + 1000, 5000, 0, "timeout"),
                            of("plain", T0 + 7000, 5, 200, null)),
                    5000, 5000, T0 + 1000, Map.of("timeout", 1)),
            // The curl run: failures spread over ~50 s with successes between them. Each window is
            // short; the span shows the whole time the fault troubled the client.
            new SpanCase("failures spread out: the span is far longer than the longest window",
                    List.of(of("plain", T0 + 6000, 300, 0, "refused"), of("plain", T0 + 6500, 5, 200, null),
                            of("plain", T0 + 20_000, 1200, 502, null), of("plain", T0 + 22_000, 5, 200, null),
                            of("plain", T0 + 54_000, 800, 0, "reset: Connection reset"),
                            of("plain", T0 + 56_000, 5, 200, null)),
                    1200, 48_800, T0 + 6000, Map.of("refused", 1, "HTTP 502", 1, "reset", 1)),
            new SpanCase("an earlier-sent failure ending last closes the span",
                    List.of(of("plain", T0, 5000, 0, "timeout"), of("plain", T0 + 100, 50, 503, null),
                            of("plain", T0 + 200, 5, 200, null)),
                    5000, 5000, T0, Map.of("timeout", 1, "HTTP 503", 1)));

    @Test
    void spanLongestWindowAndCauses() {
        FaultEvents e = new FaultEvents("s", "worker-stop", null, "kind", T0, T0 + 1, T0 + 60_000, null, null);
        for (SpanCase c : SPAN_CASES) {
            ClientResult r = ScenarioAnalysis.client("plain", c.records(), e, null, T0);
            assertEquals(c.longestWindowMs(), r.longestErrorWindowMs(), c.name() + ": longest window");
            assertEquals(c.spanMs(), r.failureSpanMs(), c.name() + ": span");
            assertEquals(c.firstFailedMs(), r.firstFailedMs(), c.name() + ": first failed");
            assertEquals(c.byCause(), r.failedByCause(), c.name() + ": by cause");
            ErrorWindows.Span span = ErrorWindows.span(c.records());
            if (c.spanMs() == 0) {
                assertNull(span, c.name());
            } else {
                assertEquals(c.spanMs(), span.durationMs(), c.name());
            }
        }
    }

    record WindowCase(String name, Long readyAfterMs, long faultEndAfterMs, int inWindow, double p99) {
    }

    @Test
    void p99DuringTheFaultUsesTheFaultWindow() {
        // One request every 100 ms for 20 s; those sent from +5 s to +10 s take 1500 ms, the others 10 ms.
        List<RequestRecord> records = new ArrayList<>();
        for (long t = 0; t < 20_000; t += 100) {
            records.add(of("plain", T0 + t, t >= 5000 && t < 10_000 ? 1500 : 10, 200, null));
        }
        List<WindowCase> cases = List.of(
                new WindowCase("Ready after 5 s: fault start to Ready", 5000L, 100, 51, 1500),
                new WindowCase("heal after Ready: to the heal", 2000L, 8000, 81, 1500),
                new WindowCase("never Ready: to the end of the load", null, 100, 150, 1500),
                new WindowCase("Ready at once: only the request sent at the injection", 0L, 0, 1, 1500));
        for (WindowCase c : cases) {
            FaultEvents e = new FaultEvents("s", "pod-kill", null, "kind", T0 + 5000, T0 + 5000 + c.faultEndAfterMs(),
                    c.readyAfterMs() == null ? null : T0 + 5000 + c.readyAfterMs(), null, null);
            ClientResult r = ScenarioAnalysis.client("plain", records, e, null, T0);
            assertEquals(c.inWindow(), r.latencyDuringFault().count(), c.name());
            assertEquals(c.p99(), r.latencyDuringFault().p99(), c.name());
            assertEquals(10.0, r.latencyOverall().p50(), c.name());
        }
        FaultEvents late = new FaultEvents("s", "pod-kill", null, "kind", T0 + 12_000, T0 + 12_001, T0 + 15_000,
                null, null);
        assertEquals(10.0, ScenarioAnalysis.client("plain", records, late, null, T0).latencyDuringFault().p99(),
                "a fault window after the slow requests sees none of them");
    }

    @Test
    void bothClientsAreAnalysedApartAndTheFirstFillsTheTopLevel() {
        List<RequestRecord> records = List.of(
                of("careful", T0, 5, 200, null), of("plain", T0 + 10, 5, 200, null),
                of("plain", T0 + 1000, 5000, 0, "timeout"), of("careful", T0 + 1000, 30, 502, null),
                of("careful", T0 + 1500, 5, 200, null), of("plain", T0 + 7000, 5, 200, null));
        FaultEvents e = new FaultEvents("s", "pod-kill", null, "kind", T0 + 900, T0 + 950, T0 + 3000, null, null);
        ScenarioResult r = ScenarioAnalysis.analyze("run", records, e, List.of("careful", "plain"),
                Map.of("careful", new WriteVerification.Result(1, 0, 0, 0, 0, List.of(), List.of(), 0)), null);
        assertEquals(2, r.clients().size());
        assertEquals(3, r.requests());
        assertEquals(1, r.failedRequests());
        assertEquals(Map.of("read: HTTP 502", 1), r.errorsByKind());
        ClientResult plain = r.client("plain");
        assertEquals(3, plain.requests());
        assertEquals(1, plain.failedRequests());
        assertEquals(Map.of("timeout", 1), plain.failedByCause());
        assertEquals(5000, plain.failureSpanMs());
        assertNull(plain.verification());
        assertEquals(1, r.client("careful").verification().acknowledged());
        assertEquals(T0, r.loadStartMs());
    }

    @Test
    void aClientThatSentNothingStillHasAResult() {
        FaultEvents e = new FaultEvents("s", "pod-kill", null, "kind", T0, T0 + 1, T0 + 2, null, null);
        ScenarioResult r = ScenarioAnalysis.analyze("run", List.of(of("careful", T0, 5, 200, null)), e,
                List.of("careful", "plain"), Map.of(), "no db");
        assertEquals(0, r.client("plain").requests());
        assertEquals(0, r.client("plain").failureSpanMs());
    }

    @Test
    void aClientInTheLogButNotNamedIsStillReported() {
        FaultEvents e = new FaultEvents("s", "pod-kill", null, "kind", T0, T0 + 1, T0 + 2, null, null);
        ScenarioResult r = ScenarioAnalysis.analyze("run", List.of(of("careful", T0, 5, 200, null),
                of("plain", T0 + 5, 5000, 0, "timeout")), e, List.of("careful"), Map.of(), "no db");
        assertEquals(List.of("careful", "plain"), r.clients().stream().map(ClientResult::client).toList());
        assertEquals(1, r.client("plain").failedRequests());
    }

    @Test
    void recordsWithoutAClientAreTheCarefulClients() throws Exception {
        RequestRecord r = new com.fasterxml.jackson.databind.ObjectMapper().readValue(
                "{\"startMs\":1,\"latencyMs\":2,\"op\":\"read\",\"status\":200}", RequestRecord.class);
        assertEquals("careful", r.client());
        assertEquals(List.of("careful"), ScenarioAnalysis.clientsIn(List.of(r)));
    }
}
