package io.messagestack.api.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.messagestack.api.support.ApiProcess;
import io.messagestack.api.support.CommitCuttingProxy;
import io.messagestack.api.support.Http;
import io.messagestack.api.support.TestServers;

/**
 * The answer to a COMMIT is lost after the server committed (a proxy between the service and
 * MariaDB closes the connection as the answer arrives). The service cannot know the outcome and
 * retries; the retry must find its own earlier effect: one row per create (with and without an
 * Idempotency-Key), a delete answered 204 exactly once, an update applied once.
 */
class LostCommitIT {

    static CommitCuttingProxy proxy;
    static ApiProcess api;

    @BeforeAll
    static void start() throws Exception {
        TestServers.requireListening(TestServers.SINGLE_MARIADB, "The test MariaDB", "hack/api/start-mariadb.sh");
        proxy = new CommitCuttingProxy(TestServers.SINGLE_MARIADB);
        api = ApiProcess.start("api-lost-commit",
                "jdbc:mysql://127.0.0.1:" + proxy.port() + "/" + TestServers.DATABASE + "?sslMode=DISABLED", Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        if (api != null) {
            api.close();
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    @Test
    void aCreateWithoutKeyWhoseCommitAnswerIsLostIsStoredOnce() throws Exception {
        String subject = "lost-commit-nokey-" + UUID.randomUUID();
        HttpResponse<String> r = createWithLostCommit(subject, null);
        assertEquals(201, r.statusCode(), r.body());
        assertFalse(r.headers().firstValue("Idempotent-Replayed").isPresent(), "the service's own retry is not a replay");
        assertEquals(List.of(Http.pkOf(r.body())), idsWithSubject(subject), "stored exactly once, with the pk answered");
    }

    @Test
    void aCreateWithKeyWhoseCommitAnswerIsLostIsStoredOnce() throws Exception {
        String subject = "lost-commit-key-" + UUID.randomUUID();
        HttpResponse<String> r = createWithLostCommit(subject, "key-" + subject);
        assertEquals(201, r.statusCode(), r.body());
        long pk = Http.pkOf(r.body());
        assertEquals(List.of(pk), idsWithSubject(subject));
        // The client resending the same key gets the same message back, still one row.
        HttpResponse<String> again = Http.post(api.uri("/api/messages/"), Http.messageJson(subject, "lost commit"), "key-" + subject);
        assertEquals(201, again.statusCode());
        assertEquals(pk, Http.pkOf(again.body()));
        assertEquals(List.of(pk), idsWithSubject(subject));
    }

    @Test
    void aDeleteWhoseCommitAnswerIsLostAnswers204OnceThen404() throws Exception {
        String subject = "lost-commit-delete-" + UUID.randomUUID();
        HttpResponse<String> created = Http.post(api.uri("/api/messages/"), Http.messageJson(subject, "to delete"), null);
        assertEquals(201, created.statusCode(), created.body());
        long pk = Http.pkOf(created.body());
        int cutsBefore = proxy.cuts();
        proxy.cutAfterNextCommit();
        HttpResponse<String> deleted = Http.delete(api.uri("/api/messages/" + pk + "/"));
        assertEquals(cutsBefore + 1, proxy.cuts(), "the proxy did not cut the commit's answer: the test proved nothing");
        assertEquals(204, deleted.statusCode(), deleted.body());
        assertEquals(List.of(), idsWithSubject(subject));
        assertEquals(404, Http.delete(api.uri("/api/messages/" + pk + "/")).statusCode(), "a later delete of a gone row");
    }

    @Test
    void anUpdateWhoseCommitAnswerIsLostIsAppliedAndAnswered() throws Exception {
        String subject = "lost-commit-put-" + UUID.randomUUID();
        HttpResponse<String> created = Http.post(api.uri("/api/messages/"), Http.messageJson(subject, "before"), null);
        long pk = Http.pkOf(created.body());
        int cutsBefore = proxy.cuts();
        proxy.cutAfterNextCommit();
        HttpResponse<String> put = Http.put(api.uri("/api/messages/" + pk + "/"), Http.messageJson(subject, "after"));
        assertEquals(cutsBefore + 1, proxy.cuts(), "the proxy did not cut the commit's answer");
        assertEquals(200, put.statusCode(), put.body());
        assertTrue(put.body().contains("\"body\":\"after\""), put.body());
        assertEquals(List.of(pk), idsWithSubject(subject));
        assertTrue(Files.readString(api.log()).contains("event=db_retry operation=replace"),
                "the service logged no retry of the update");
    }

    private HttpResponse<String> createWithLostCommit(String subject, String key) throws Exception {
        int cutsBefore = proxy.cuts();
        proxy.cutAfterNextCommit();
        HttpResponse<String> r = Http.post(api.uri("/api/messages/"), Http.messageJson(subject, "lost commit"), key);
        assertFalse(proxy.armed(), "no COMMIT went through the proxy");
        assertEquals(cutsBefore + 1, proxy.cuts(), "the proxy did not cut the commit's answer: the test proved nothing");
        assertTrue(Files.readString(api.log()).contains("event=db_retry operation=create"),
                "the service logged no retry after the lost commit answer");
        return r;
    }

    private static List<Long> idsWithSubject(String subject) throws Exception {
        try (Connection c = DriverManager.getConnection(TestServers.jdbcUrl(TestServers.SINGLE_MARIADB), TestServers.USER,
                TestServers.PASSWORD); PreparedStatement s = c.prepareStatement("SELECT id FROM message WHERE subject = ? ORDER BY id")) {
            s.setString(1, subject);
            List<Long> ids = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
            return ids;
        }
    }
}
