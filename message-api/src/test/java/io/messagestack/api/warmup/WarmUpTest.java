package io.messagestack.api.warmup;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.messagestack.api.message.CreateRehearsal;
import io.messagestack.api.support.SingleMariaDb;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/** The start-up warm-up against the real MariaDB: readiness waits for it, and it stores nothing. */
@QuarkusTest
@WithTestResource(SingleMariaDb.class)
class WarmUpTest {

    @Inject
    CreateRehearsal rehearsal;

    @Inject
    AgroalDataSource db;

    @Test
    void readinessReportsTheWarmUpAndIsUpOnceItIsDone() throws InterruptedException {
        JsonPath ready = awaitReady();
        Map<String, Object> check = ready.getMap("checks.find { it.name == 'warm-up' }");
        assertEquals("UP", check.get("status"), ready.prettify());
        @SuppressWarnings("unchecked")
        Map<String, Object> data = (Map<String, Object>) check.get("data");
        String detail = (String) data.get("warm-up");
        // WARM normally; a loaded machine may end it by rounds or by time: all three are "done".
        assertTrue(detail.matches("(WARM|ROUNDS_EXHAUSTED|OUT_OF_TIME) after \\d+ rounds \\([0-9,]+ ms\\)"), detail);
        assertTrue(((Number) data.get("rounds")).intValue() >= 2, ready.prettify());
    }

    @Test
    void theWarmUpLeftNoRowsBehind() throws Exception {
        awaitReady();
        assertEquals(0, count("SELECT COUNT(*) FROM message WHERE subject = 'warm-up'"));
    }

    @Test
    void theRehearsedCreateInsertsAndRollsBack() throws Exception {
        String json = rehearsal.run(URI.create("http://localhost:8080/"));
        Matcher pk = Pattern.compile("\"pk\":(\\d+)").matcher(json);
        assertTrue(pk.find(), json);
        // The insert ran (the database gave it a pk) ...
        long id = Long.parseLong(pk.group(1));
        assertTrue(id > 0, json);
        assertTrue(json.contains("\"url\":\"http://localhost:8080/api/messages/" + id + "/\""), json);
        // ... and was rolled back.
        assertEquals(0, count("SELECT COUNT(*) FROM message WHERE id = " + id));
    }

    private long count(String sql) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(sql); ResultSet r = s.executeQuery()) {
            r.next();
            return r.getLong(1);
        }
    }

    /** The warm-up runs in the background after start; it is bounded by its budget (25 s). */
    private static JsonPath awaitReady() throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        String last = "";
        while (System.nanoTime() < deadline) {
            var response = given().when().get("/q/health/ready");
            last = response.asString();
            if (response.statusCode() == 200) {
                return response.jsonPath();
            }
            List<String> names = response.jsonPath().getList("checks.name");
            assertTrue(names.contains("warm-up"), last);
            Thread.sleep(200);
        }
        fail("not ready within 60 s: " + last);
        return null;
    }
}
