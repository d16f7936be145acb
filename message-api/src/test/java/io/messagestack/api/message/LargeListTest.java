package io.messagestack.api.message;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.List;
import java.util.stream.LongStream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import io.agroal.api.AgroalDataSource;
import io.messagestack.api.support.SingleMariaDb;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;

/**
 * The list with more messages than one chunk: the plain array is streamed complete and in order,
 * the keyset parameters page through it, the count switches to the estimate, and a client that
 * disconnects in the middle stops the reads and holds no connection.
 */
@QuarkusTest
@WithTestResource(SingleMariaDb.class)
class LargeListTest {

    static final int ROWS = 30_000;
    static long firstPk;

    @Inject
    MeterRegistry meters;
    @Inject
    AgroalDataSource pool;

    @BeforeAll
    static void manyMessages() {
        QuarkusTransaction.requiringNew().run(() -> {
            Message.deleteAll();
            // 1000-character bodies: about 31 MB of JSON, more than any socket buffer holds.
            Message.getEntityManager().createNativeQuery("INSERT INTO message (subject, body, created_at, idempotency_key)"
                    + " SELECT CONCAT('bulk ', seq), REPEAT('x', 1000), NOW(6), CONCAT('large-list-test-', seq)"
                    + " FROM seq_1_to_" + ROWS).executeUpdate();
            Message.getEntityManager().createNativeQuery("ANALYZE TABLE message").getResultList();
        });
        firstPk = QuarkusTransaction.requiringNew().call(() -> ((Number) Message.getEntityManager()
                .createQuery("select min(m.id) from Message m").getSingleResult()).longValue());
    }

    @AfterAll
    static void cleanUp() {
        QuarkusTransaction.requiringNew().run(() -> Message.deleteAll());
    }

    @Test
    void thePlainListStreamsEveryMessageOnceInPkOrder() throws Exception {
        HttpResponse<InputStream> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + "/api/messages/")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        long expected = firstPk;
        long count = 0;
        try (JsonParser json = new JsonFactory().createParser(response.body())) {
            assertEquals(JsonToken.START_ARRAY, json.nextToken());
            for (JsonToken t = json.nextToken(); t != JsonToken.END_ARRAY; t = json.nextToken()) {
                if (t == JsonToken.FIELD_NAME && json.getCurrentName().equals("pk")) {
                    json.nextToken();
                    assertEquals(expected, json.getLongValue(), "pk after " + count + " messages");
                    expected++;
                    count++;
                }
            }
            assertEquals(null, json.nextToken(), "nothing after the array");
        }
        assertEquals(ROWS, count);
    }

    @Test
    void keysetPagesNewestFirstAndFromTheMiddle() {
        long last = firstPk + ROWS - 1;
        given().queryParam("ordering", "-pk").queryParam("limit", 3).when().get("/api/messages/")
                .then().statusCode(200).body("pk", contains((int) last, (int) last - 1, (int) last - 2));
        given().queryParam("ordering", "-pk").queryParam("before_id", last - 2).queryParam("limit", 2).when()
                .get("/api/messages/").then().statusCode(200).body("pk", contains((int) last - 3, (int) last - 4));
        long middle = firstPk + ROWS / 2;
        List<Integer> page = given().queryParam("after_id", middle).queryParam("limit", 1000).when()
                .get("/api/messages/").then().statusCode(200).body("$", hasSize(1000)).extract().path("pk");
        assertEquals(LongStream.range(middle + 1, middle + 1001).boxed().toList(),
                page.stream().map(Integer::longValue).toList());
        // after_id and before_id together: a closed range, also streamed when no limit is given.
        given().queryParam("after_id", middle).queryParam("before_id", middle + 4).when().get("/api/messages")
                .then().statusCode(200).body("pk", contains((int) middle + 1, (int) middle + 2, (int) middle + 3));
        given().queryParam("after_id", last).when().get("/api/messages/").then().statusCode(200).body("$", hasSize(0));
    }

    @Test
    void aLargeTableIsCountedByEstimate() {
        given().when().get("/api/messages/count").then().statusCode(200)
                .body("exact", equalTo(false))
                .body("count", greaterThan((int) MessageService.EXACT_COUNT_UP_TO));
    }

    @Test
    void aClientThatDisconnectsMidListStopsTheReadsAndHoldsNoConnection() throws Exception {
        double goneBefore = meters.counter("messagestack.list.streams", "outcome", "client_gone").count();
        double rowsBefore = meters.counter("messagestack.list.streamed.rows").count();
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(4096);
            socket.connect(new java.net.InetSocketAddress("localhost", RestAssured.port), 2000);
            OutputStream out = socket.getOutputStream();
            out.write("GET /api/messages/ HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            int read = 0;
            while (read < 64 * 1024) {
                int n = in.read(buffer);
                assertTrue(n > 0, "the list ended after " + read + " bytes");
                read += n;
            }
            assertTrue(new String(buffer, StandardCharsets.ISO_8859_1).contains("\"subject\":\"bulk "));
            socket.setSoLinger(true, 0); // a reset, as a killed client or a proxy timing out
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (meters.counter("messagestack.list.streams", "outcome", "client_gone").count() == goneBefore
                && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(goneBefore + 1, meters.counter("messagestack.list.streams", "outcome", "client_gone").count(),
                "the stream noticed the client had gone within 5 s");
        double streamed = meters.counter("messagestack.list.streamed.rows").count() - rowsBefore;
        assertTrue(streamed < ROWS, "the reads stopped early: " + streamed + " of " + ROWS + " rows read");
        assertEquals(0, pool.getMetrics().activeCount(), "no pooled connection is still in use");
        // And on the server's side: none of the service's other sessions is still running a
        // statement (a user sees its own sessions without the PROCESS privilege).
        try (Connection c = pool.getConnection();
                ResultSet busy = c.createStatement().executeQuery("SELECT COUNT(*) FROM information_schema.PROCESSLIST"
                        + " WHERE USER = SUBSTRING_INDEX(CURRENT_USER(), '@', 1) AND ID <> CONNECTION_ID()"
                        + " AND COMMAND <> 'Sleep'")) {
            busy.next();
            assertEquals(0, busy.getInt(1), "a statement of the list is still running on the server");
        }
        // And the service answers at once.
        given().queryParam("limit", 1).when().get("/api/messages/").then().statusCode(200).body("$", hasSize(1));
    }
}
