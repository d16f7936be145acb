package io.messagestack.chaos.analysis;

import io.messagestack.chaos.record.RequestRecord;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.messagestack.chaos.analysis.Records.create;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WriteVerificationTest {

    @Test
    void everyAcknowledgedWritePresentOnceIsClean() {
        List<RequestRecord> records = List.of(create("a", 1, 201, 1L), create("b", 1, 201, 2L));
        WriteVerification.Result r = WriteVerification.verify(records, WriteVerification.countsOf(List.of("a", "b")));
        assertEquals(2, r.acknowledged());
        assertEquals(0, r.lost());
        assertEquals(0, r.duplicates());
        assertTrue(r.clean());
    }

    @Test
    void anAcknowledgedWriteWithNoRowIsLost() {
        List<RequestRecord> records = List.of(create("a", 1, 201, 1L), create("b", 1, 201, 2L));
        WriteVerification.Result r = WriteVerification.verify(records, WriteVerification.countsOf(List.of("a")));
        assertEquals(1, r.lost());
        assertEquals(List.of("b"), r.lostSubjects());
        assertFalse(r.clean());
    }

    @Test
    void aRetriedCreateThatLeftTwoRowsIsADuplicate() {
        // First attempt timed out (but committed), the retry with the same key was acknowledged.
        List<RequestRecord> records = List.of(create("a", 1, 0, null), create("a", 2, 201, 1L));
        WriteVerification.Result r = WriteVerification.verify(records, WriteVerification.countsOf(List.of("a", "a")));
        assertEquals(1, r.acknowledged());
        assertEquals(0, r.lost());
        assertEquals(1, r.duplicates());
        assertEquals(List.of("a"), r.duplicateSubjects());
        assertFalse(r.clean());
    }

    @Test
    void aWriteTheClientGaveUpOnMayBeAbsentOrPresentButNotTwice() {
        List<RequestRecord> records = List.of(
                create("gone", 1, 503, null), create("gone", 2, 503, null),
                create("made-it", 1, 0, null), create("made-it", 2, 0, null));
        WriteVerification.Result r = WriteVerification.verify(records, Map.of("made-it", 1));
        assertEquals(0, r.acknowledged());
        assertEquals(0, r.lost());
        assertEquals(1, r.unacknowledgedPresent());
        assertTrue(r.clean());
    }

    @Test
    void twoAcknowledgementsWithDifferentPksAreFlagged() {
        List<RequestRecord> records = List.of(create("a", 1, 201, 1L), create("a", 2, 201, 7L));
        WriteVerification.Result r = WriteVerification.verify(records, Map.of("a", 1));
        assertEquals(1, r.conflictingPks());
        assertFalse(r.clean());
    }

    @Test
    void readsAreIgnored() {
        RequestRecord read = new RequestRecord(0, 1, RequestRecord.READ, 0, 1, 1, "k", "a", 200, null, 1L, null);
        WriteVerification.Result r = WriteVerification.verify(List.of(read), Map.of());
        assertEquals(0, r.acknowledged());
        assertTrue(r.clean());
    }
}
