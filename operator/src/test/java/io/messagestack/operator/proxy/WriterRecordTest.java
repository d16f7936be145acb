package io.messagestack.operator.proxy;

import io.messagestack.operator.crd.SwitchoverRequestStatus;
import io.messagestack.operator.crd.WriterStatus;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class WriterRecordTest {
    @Test
    void theReasonAndTheLastRequestSurviveTheRoundTripThroughTheConfigMap() {
        WriterStatus w = new WriterStatus();
        w.pod = "demo-db-1";
        w.reason = WriterStatus.SWITCHOVER;
        w.message = "writer moved from demo-db-0 to demo-db-1";
        w.since = "2026-12-06T14:00:00Z";
        w.lastRequest = new SwitchoverRequestStatus();
        w.lastRequest.target = "demo-db-1";
        w.lastRequest.outcome = WriterSwitchover.SWITCHED;
        w.lastRequest.reason = "Switchover";
        w.lastRequest.message = "writer moved";
        w.lastRequest.time = "2026-12-06T14:00:00Z";
        WriterStatus back = WriterRecord.read("demo-db-1", false, WriterRecord.annotations(w), "later");
        assertEquals(w, back);
    }

    @Test
    void withoutAnnotationsNodeZeroIsTheInitialWriterAndAnotherNodeOneWithoutAKnownReason() {
        WriterStatus first = WriterRecord.read("demo-db-0", true, null, "2026-12-06T14:00:00Z");
        assertEquals(WriterStatus.INITIAL, first.reason);
        assertEquals("2026-12-06T14:00:00Z", first.since);
        assertNull(first.lastRequest);
        assertEquals("Unknown", WriterRecord.read("demo-db-2", false, Map.of(), "now").reason);
    }

    @Test
    void anUnreadableRequestRecordIsLeftOutNotFatal() {
        WriterStatus w = WriterRecord.read("demo-db-0", true, Map.of(WriterRecord.LAST_REQUEST, "{not json"), "now");
        assertNull(w.lastRequest);
    }
}
