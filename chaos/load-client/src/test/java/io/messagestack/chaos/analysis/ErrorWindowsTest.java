package io.messagestack.chaos.analysis;

import io.messagestack.chaos.record.RequestRecord;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.messagestack.chaos.analysis.Records.failed;
import static io.messagestack.chaos.analysis.Records.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ErrorWindowsTest {

    @Test
    void noFailuresNoWindow() {
        List<ErrorWindows.Window> w = ErrorWindows.of(List.of(ok(0, 5), ok(100, 5)));
        assertEquals(List.of(), w);
        assertNull(ErrorWindows.longest(w));
    }

    @Test
    void consecutiveFailuresFormOneWindowFromFirstStartToLastEnd() {
        List<RequestRecord> records = List.of(ok(0, 5), failed(1000, 10), failed(1200, 300), failed(1300, 50), ok(2000, 5));
        List<ErrorWindows.Window> w = ErrorWindows.of(records);
        assertEquals(1, w.size());
        assertEquals(1000, w.get(0).startMs());
        assertEquals(1500, w.get(0).endMs()); // 1200 + 300 ends last
        assertEquals(3, w.get(0).failedRequests());
    }

    @Test
    void aSuccessInBetweenSplitsWindowsAndTheLongestIsPicked() {
        List<RequestRecord> records = List.of(failed(0, 100), ok(200, 5), failed(1000, 2000), failed(1500, 10), ok(4000, 5));
        List<ErrorWindows.Window> w = ErrorWindows.of(records);
        assertEquals(2, w.size());
        assertEquals(100, w.get(0).durationMs());
        assertEquals(2000, ErrorWindows.longest(w).durationMs());
    }

    @Test
    void orderIsBySendTimeNotByListOrder() {
        // Two writers log out of order; sorted by start the failures are not interrupted.
        List<RequestRecord> records = List.of(failed(1500, 10), ok(3000, 5), failed(1000, 10), ok(500, 5));
        List<ErrorWindows.Window> w = ErrorWindows.of(records);
        assertEquals(1, w.size());
        assertEquals(510, w.get(0).durationMs());
    }

    @Test
    void aWindowStillOpenAtTheEndIsCounted() {
        List<ErrorWindows.Window> w = ErrorWindows.of(List.of(ok(0, 1), failed(10, 2000)));
        assertEquals(2000, ErrorWindows.longest(w).durationMs());
    }
}
