package io.messagestack.chaos.analysis;

import io.messagestack.chaos.record.RequestRecord;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RestoreVerificationTest {
    static final long T = 100_000;

    /** One attempt of a create: sent at {@code sentMs}, answered {@code latencyMs} later with {@code status}. */
    static RequestRecord attempt(String subject, long sentMs, double latencyMs, int status) {
        boolean ok = status >= 200 && status < 300;
        return new RequestRecord(sentMs, latencyMs, RequestRecord.CREATE, 0, 1, 1, "key-" + subject, subject, status,
                null, ok ? 1L : null, ok ? null : (status == 0 ? "timeout" : "HTTP " + status), "careful");
    }

    @Test
    void acknowledgedBeforeThePointPresentAndNothingAfterIsClean() {
        List<RequestRecord> records = List.of(
                attempt("a", T - 5000, 10, 201),
                attempt("b", T - 20, 20, 201),          // acknowledged exactly at T: committed before it
                attempt("c", T, 5, 201),                // sent at T: started after the point
                attempt("d", T + 3000, 5, 201));
        RestoreVerification.Result r = RestoreVerification.verify(records, Map.of("a", 1, "b", 1), T);
        assertEquals(2, r.acknowledgedBeforePoint());
        assertEquals(0, r.lost());
        assertEquals(2, r.sentAfterPoint());
        assertEquals(0, r.restoredAfterPoint());
        assertEquals(0, r.inFlight());
        assertEquals(2, r.rowsChecked());
        assertTrue(r.clean());
    }

    @Test
    void anAcknowledgedWriteBeforeThePointThatIsMissingIsLost() {
        List<RequestRecord> records = List.of(attempt("a", T - 5000, 10, 201), attempt("b", T - 4000, 10, 201));
        RestoreVerification.Result r = RestoreVerification.verify(records, Map.of("a", 1), T);
        assertEquals(1, r.lost());
        assertEquals(List.of("b"), r.lostSubjects());
        assertFalse(r.clean());
        assertEquals(1, r.asWriteVerification().lost());
        assertFalse(r.asWriteVerification().clean());
    }

    @Test
    void aWriteSentAfterThePointThatWasRestoredFails() {
        List<RequestRecord> records = List.of(attempt("late", T + 1, 5, 201));
        RestoreVerification.Result r = RestoreVerification.verify(records, Map.of("late", 1), T);
        assertEquals(1, r.restoredAfterPoint());
        assertEquals(List.of("late"), r.restoredAfterSubjects());
        assertFalse(r.clean());
    }

    @Test
    void aWriteInFlightAtThePointMayBeEitherWay() {
        // Sent before T, answered after it: committed on either side of T.
        List<RequestRecord> records = List.of(attempt("x", T - 10, 50, 201), attempt("y", T - 10, 50, 201));
        RestoreVerification.Result r = RestoreVerification.verify(records, Map.of("x", 1), T);
        assertEquals(2, r.inFlight());
        assertEquals(1, r.inFlightRestored());
        assertEquals(0, r.lost());
        assertEquals(0, r.restoredAfterPoint());
        assertTrue(r.clean());
    }

    @Test
    void aRetriedWriteCountsFromItsFirstAttempt() {
        // The first attempt (before T) timed out and may have committed; the retry after T was acknowledged.
        List<RequestRecord> records = List.of(attempt("r", T - 500, 2000, 0), attempt("r", T + 1600, 10, 201));
        RestoreVerification.Result present = RestoreVerification.verify(records, Map.of("r", 1), T);
        assertEquals(1, present.inFlight());
        assertTrue(present.clean());
        assertTrue(RestoreVerification.verify(records, Map.of(), T).clean());
    }

    @Test
    void anUnacknowledgedWriteSentBeforeThePointIsInFlight() {
        List<RequestRecord> records = List.of(attempt("f", T - 3000, 5000, 0));
        RestoreVerification.Result r = RestoreVerification.verify(records, Map.of(), T);
        assertEquals(1, r.inFlight());
        assertEquals(0, r.acknowledgedBeforePoint());
        assertTrue(r.clean());
    }

    @Test
    void twoRowsOfOneSubjectAreADuplicateInAnyClass() {
        List<RequestRecord> records = List.of(attempt("a", T - 5000, 10, 201), attempt("z", T - 10, 50, 201));
        RestoreVerification.Result r = RestoreVerification.verify(records, Map.of("a", 2, "z", 2), T);
        assertEquals(2, r.duplicates());
        assertEquals(List.of("a", "z"), r.duplicateSubjects());
        assertFalse(r.clean());
        assertEquals(2, r.asWriteVerification().duplicates());
    }

    @Test
    void readsAreIgnored() {
        RequestRecord read = new RequestRecord(T - 10, 1, RequestRecord.READ, 0, 1, 1, "k", "a", 404, null, 1L,
                "HTTP 404", "careful");
        RestoreVerification.Result r = RestoreVerification.verify(List.of(read), Map.of(), T);
        assertEquals(0, r.acknowledgedBeforePoint());
        assertTrue(r.clean());
    }
}
