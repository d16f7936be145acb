package io.messagestack.chaos.load;

import io.messagestack.chaos.analysis.WriteVerification;
import io.messagestack.chaos.record.RequestLog;
import io.messagestack.chaos.record.RequestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real client against a fake API on loopback: what gets logged, retried and verified. */
class LoadRunnerTest {
    @TempDir
    Path dir;

    LoadConfig config(FakeMessageApi api, Duration duration, int retries) {
        // A generous timeout: on a loaded machine the fake server may be slow, and a timeout is not what these test.
        return new LoadConfig(api.baseUrl(), "t1", 2, 20, duration, dir.resolve("stop"), Duration.ofSeconds(10),
                retries, dir.resolve("requests.jsonl"), Duration.ofSeconds(5));
    }

    @Test
    void healthyApiEveryCreateReadBackAndVerified() throws Exception {
        try (FakeMessageApi api = new FakeMessageApi()) {
            long[] counts = new LoadRunner(config(api, Duration.ofMillis(1500), 3)).run();
            List<RequestRecord> records = RequestLog.read(dir.resolve("requests.jsonl"));
            assertEquals(counts[0], records.size());
            assertEquals(0, counts[1]);
            long creates = records.stream().filter(r -> r.op().equals(RequestRecord.CREATE)).count();
            long reads = records.stream().filter(r -> r.op().equals(RequestRecord.READ)).count();
            // 2 writers x 20/s x 1.5 s is at most 60 slots (+1 per writer at the edge); a cold JVM on a busy
            // machine fills fewer, but a fixed-rate client must never send more than its schedule.
            assertTrue(creates >= 10 && creates <= 62, "expected 10..62 creates, got " + creates);
            assertEquals(creates, reads);
            assertTrue(records.stream().allMatch(r -> "fake-api".equals(r.servedBy())));
            assertTrue(records.stream().allMatch(r -> r.subject().startsWith("chaos-t1-w")));
            WriteVerification.Result v = WriteVerification.verify(records, api.rowsBySubject());
            assertEquals(creates, v.acknowledged());
            assertTrue(v.clean());
        }
    }

    @Test
    void lostResponsesAreRetriedWithTheSameKeyAndLeaveNoDuplicate() throws Exception {
        try (FakeMessageApi api = new FakeMessageApi()) {
            api.commitThenFailEvery = 3;
            new LoadRunner(config(api, Duration.ofMillis(1500), 3)).run();
            List<RequestRecord> records = RequestLog.read(dir.resolve("requests.jsonl"));
            List<RequestRecord> retried = records.stream().filter(r -> r.attempt() == 2).toList();
            assertFalse(retried.isEmpty(), "every third POST failed, so some creates must have been retried");
            for (RequestRecord r : retried) {
                RequestRecord first = records.stream()
                        .filter(o -> o.op().equals(r.op()) && o.subject().equals(r.subject()) && o.attempt() == 1)
                        .findFirst().orElseThrow();
                assertEquals(first.key(), r.key());
                assertEquals(502, first.status());
            }
            assertTrue(WriteVerification.verify(records, api.rowsBySubject()).clean());
        }
    }

    @Test
    void anApiIgnoringTheKeyIsCaughtAsDuplicates() throws Exception {
        try (FakeMessageApi api = new FakeMessageApi()) {
            api.commitThenFailEvery = 3;
            api.ignoreIdempotencyKey = true;
            new LoadRunner(config(api, Duration.ofMillis(1500), 3)).run();
            WriteVerification.Result v = WriteVerification.verify(RequestLog.read(dir.resolve("requests.jsonl")),
                    api.rowsBySubject());
            assertTrue(v.duplicates() > 0);
            assertFalse(v.clean());
        }
    }

    @Test
    void aRowThatDisappearsIsCaughtAsLost() throws Exception {
        try (FakeMessageApi api = new FakeMessageApi()) {
            new LoadRunner(config(api, Duration.ofMillis(600), 3)).run();
            List<RequestRecord> records = RequestLog.read(dir.resolve("requests.jsonl"));
            api.dropRow(records.get(0).subject());
            WriteVerification.Result v = WriteVerification.verify(records, api.rowsBySubject());
            assertEquals(1, v.lost());
            assertEquals(List.of(records.get(0).subject()), v.lostSubjects());
        }
    }

    @Test
    void anOutageIsLoggedAndRetriesAreBounded() throws Exception {
        try (FakeMessageApi api = new FakeMessageApi()) {
            api.unavailable = true;
            LoadConfig c = config(api, Duration.ofMillis(800), 2);
            new LoadRunner(new LoadConfig(c.baseUrl(), c.runId(), c.writers(), c.ratePerWriter(), c.duration(),
                    c.stopFile(), c.requestTimeout(), c.maxRetries(), c.out(), Duration.ZERO)).run();
            List<RequestRecord> records = RequestLog.read(dir.resolve("requests.jsonl"));
            assertFalse(records.isEmpty());
            assertTrue(records.stream().noneMatch(RequestRecord::ok));
            assertTrue(records.stream().allMatch(r -> r.attempt() <= 3), "2 retries: at most 3 attempts");
            assertTrue(records.stream().anyMatch(r -> r.status() == 503));
            assertTrue(records.stream().anyMatch(r -> r.attempt() == 3), "2 retries means a third attempt");
            assertEquals(0, WriteVerification.verify(records, api.rowsBySubject()).acknowledged());
        }
    }

    @Test
    void noServerListeningGivesConnectErrorsNotACrash() throws Exception {
        LoadConfig c = new LoadConfig(URI.create("http://127.0.0.1:9"), "t2", 1, 5, Duration.ofMillis(500), null,
                Duration.ofMillis(500), 0, dir.resolve("requests.jsonl"), Duration.ZERO);
        new LoadRunner(c).run();
        List<RequestRecord> records = RequestLog.read(dir.resolve("requests.jsonl"));
        assertFalse(records.isEmpty());
        assertTrue(records.stream().allMatch(r -> r.status() == 0 && r.error() != null));
    }

    @Test
    void theStopFileEndsTheLoadEarly() throws Exception {
        try (FakeMessageApi api = new FakeMessageApi()) {
            Files.createFile(dir.resolve("stop"));
            long t0 = System.nanoTime();
            new LoadRunner(config(api, Duration.ofSeconds(60), 3)).run();
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "the stop file must end a 60 s run at once");
        }
    }

    @Test
    void badConfigNamesTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new LoadConfig(
                URI.create("ftp://x"), "r", 1, 1, Duration.ofSeconds(1), null, Duration.ofSeconds(1), 0, dir, Duration.ZERO));
        assertTrue(e.getMessage().contains("--base-url"));
        e = assertThrows(IllegalArgumentException.class, () -> new LoadConfig(
                URI.create("http://x"), "r", 0, 1, Duration.ofSeconds(1), null, Duration.ofSeconds(1), 0, dir, Duration.ZERO));
        assertTrue(e.getMessage().contains("--writers"));
    }
}
