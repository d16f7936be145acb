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
            assertTrue(records.stream().allMatch(r -> r.subject().startsWith("chaos-t1-careful-w")));
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
            new LoadRunner(new LoadConfig(c.baseUrl(), c.runId(), c.ratePerWriter(), c.duration(), c.stopFile(), c.out(),
                    Duration.ZERO, c.groups())).run();
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

    LoadConfig bothClients(FakeMessageApi api, Duration duration, Duration plainTimeout) {
        return new LoadConfig(api.baseUrl(), "t3", 20, duration, dir.resolve("stop"), dir.resolve("requests.jsonl"),
                Duration.ZERO, List.of(new ClientGroup(ClientPolicy.careful(Duration.ofSeconds(10), 3), 2),
                new ClientGroup(ClientPolicy.plain(plainTimeout), 1)));
    }

    @Test
    void bothClientsRunTogetherAndThePlainOneNeverRetriesNorSendsAKey() throws Exception {
        try (FakeMessageApi api = new FakeMessageApi()) {
            api.commitThenFailEvery = 3;
            new LoadRunner(bothClients(api, Duration.ofMillis(2000), Duration.ofSeconds(10))).run();
            List<RequestRecord> records = RequestLog.read(dir.resolve("requests.jsonl"));
            List<RequestRecord> plain = records.stream().filter(r -> r.client().equals("plain")).toList();
            List<RequestRecord> careful = records.stream().filter(r -> r.client().equals("careful")).toList();
            assertFalse(plain.isEmpty(), "the plain client ran");
            assertFalse(careful.isEmpty(), "the careful client ran");
            assertTrue(plain.stream().allMatch(r -> r.attempt() == 1 && r.key() == null), "plain: once, no key");
            assertTrue(plain.stream().allMatch(r -> r.subject().startsWith("chaos-t3-plain-w0-")));
            assertTrue(careful.stream().allMatch(r -> r.key() != null && r.subject().startsWith("chaos-t3-careful-")));
            assertTrue(careful.stream().anyMatch(r -> r.attempt() == 2), "careful retried the 502s");
            // Every third POST was stored then answered 502: some plain creates failed yet were stored.
            List<RequestRecord> plainFailedCreates = plain.stream()
                    .filter(r -> r.op().equals(RequestRecord.CREATE) && !r.ok()).toList();
            assertFalse(plainFailedCreates.isEmpty());
            assertTrue(plainFailedCreates.stream().noneMatch(f -> plain.stream()
                    .anyMatch(r -> r.op().equals(RequestRecord.READ) && r.subject().equals(f.subject()))),
                    "a failed create has no pk, so it is not read back");
            assertTrue(api.postsWithoutKey() >= plain.stream().filter(r -> r.op().equals(RequestRecord.CREATE)).count());
            WriteVerification.Result v = WriteVerification.verify(plain,
                    WriteVerification.rowsWithPrefix(api.rowsBySubject(), LoadConfig.subjectPrefix("t3", "plain")));
            assertTrue(v.clean(), v.toString());
            assertEquals(plainFailedCreates.size(), v.unacknowledged());
            assertEquals(plainFailedCreates.size(), v.unacknowledgedPresent(), "the fake stored them all");
        }
    }

    @Test
    void thePlainTimeoutCoversTheWholeAnswerAndIsLoggedAsATimeout() throws Exception {
        try (FakeMessageApi api = new FakeMessageApi()) {
            api.slowBodyMs = 1500; // headers at once, the body 1.5 s later: only a whole-exchange deadline sees it
            new LoadRunner(bothClients(api, Duration.ofMillis(1200), Duration.ofMillis(500))).run();
            List<RequestRecord> plain = RequestLog.read(dir.resolve("requests.jsonl")).stream()
                    .filter(r -> r.client().equals("plain")).toList();
            assertFalse(plain.isEmpty());
            assertTrue(plain.stream().allMatch(r -> !r.ok() && "timeout".equals(r.error()) && r.status() == 0),
                    plain.toString());
            assertTrue(plain.stream().allMatch(r -> r.latencyMs() >= 450 && r.latencyMs() < 1400), plain.toString());
        }
    }

    @Test
    void aRefusedConnectionIsAFailureWithItsCause() throws Exception {
        LoadConfig c = new LoadConfig(URI.create("http://127.0.0.1:9"), "t4", 5, Duration.ofMillis(500), null,
                dir.resolve("requests.jsonl"), Duration.ZERO,
                List.of(new ClientGroup(ClientPolicy.plain(Duration.ofMillis(500)), 1)));
        long[] counts = new LoadRunner(c).run();
        List<RequestRecord> records = RequestLog.read(dir.resolve("requests.jsonl"));
        assertFalse(records.isEmpty());
        assertEquals(counts[0], records.size());
        assertEquals(counts[0], counts[1]);
        assertTrue(records.stream().allMatch(r -> r.status() == 0 && "refused".equals(r.error())), records.toString());
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
