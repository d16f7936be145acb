package io.messagestack.api.message;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.messagestack.api.support.SingleMariaDb;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/** The django-vue-template API contract, against a real MariaDB. */
@QuarkusTest
@WithTestResource(SingleMariaDb.class)
class MessageApiTest {

    @BeforeEach
    void emptyTable() {
        QuarkusTransaction.requiringNew().run(() -> Message.deleteAll());
    }

    static int create(String subject, String body) {
        return given().contentType(ContentType.JSON).body(Map.of("subject", subject, "body", body))
                .when().post("/api/messages/")
                .then().statusCode(201).extract().path("pk");
    }

    @Test
    void emptyListIsABareEmptyArray() {
        given().when().get("/api/messages/").then().statusCode(200).contentType(ContentType.JSON).body("$", empty());
    }

    @Test
    void createReturnsTheItemWithPkAndAbsoluteUrl() {
        var response = given().contentType(ContentType.JSON)
                .body("{\"subject\":\"Hello\",\"body\":\"World\"}")
                .when().post("/api/messages/")
                .then().statusCode(201)
                .body("subject", equalTo("Hello"))
                .body("body", equalTo("World"))
                .body("pk", notNullValue())
                .body("created_at", notNullValue())
                .body("url", matchesPattern("http://localhost:\\d+/api/messages/\\d+/"))
                .extract();
        int pk = response.path("pk");
        assertEquals(response.header("Location"), response.path("url"));
        given().when().get("/api/messages/" + pk + "/").then().statusCode(200)
                .body("pk", equalTo(pk)).body("subject", equalTo("Hello"))
                .body("created_at", equalTo(response.path("created_at")));
    }

    @Test
    void listIsOrderedByPkAndKeepsTheSerializerFieldOrder() {
        int first = create("first", "a");
        int second = create("second", "b");
        int third = create("third", "c");
        String json = given().when().get("/api/messages/").then().statusCode(200)
                .body("pk", contains(first, second, third))
                .body("subject", contains("first", "second", "third"))
                .extract().asString();
        // django-vue-template's field order: url, subject, body, pk.
        assertEquals(true, json.startsWith("[{\"url\":"), json);
        assertEquals(true, json.indexOf("\"subject\"") < json.indexOf("\"body\"")
                && json.indexOf("\"body\"") < json.indexOf("\"pk\""), json);
    }

    @Test
    void limitAndOffsetWindowTheListWithoutChangingItsShape() {
        int a = create("a", "1");
        int b = create("b", "2");
        int c = create("c", "3");
        given().queryParam("limit", 2).when().get("/api/messages/").then().statusCode(200).body("pk", contains(a, b));
        given().queryParam("limit", 2).queryParam("offset", 1).when().get("/api/messages")
                .then().statusCode(200).body("pk", contains(b, c));
        given().queryParam("offset", 2).when().get("/api/messages/").then().statusCode(200).body("pk", contains(c));
    }

    @Test
    void keysetAndOrderingWindowTheListWithoutChangingItsShape() {
        int a = create("a", "1");
        int b = create("b", "2");
        int c = create("c", "3");
        int d = create("d", "4");
        given().queryParam("ordering", "-pk").when().get("/api/messages/").then().statusCode(200)
                .body("pk", contains(d, c, b, a));
        given().queryParam("ordering", "-pk").queryParam("limit", 2).when().get("/api/messages/").then()
                .statusCode(200).body("pk", contains(d, c)).body("[0].url", matchesPattern(".*/api/messages/" + d + "/"));
        given().queryParam("ordering", "-pk").queryParam("before_id", c).queryParam("limit", 2).when()
                .get("/api/messages/").then().statusCode(200).body("pk", contains(b, a));
        given().queryParam("after_id", a).queryParam("limit", 2).when().get("/api/messages/").then()
                .statusCode(200).body("pk", contains(b, c));
        given().queryParam("after_id", b).when().get("/api/messages/").then().statusCode(200).body("pk", contains(c, d));
        given().queryParam("after_id", d).when().get("/api/messages/").then().statusCode(200).body("$", empty());
        // The streamed list and a window carry the same fields as the item.
        String item = given().when().get("/api/messages/" + a + "/").then().statusCode(200).extract().asString();
        String streamed = given().when().get("/api/messages/").then().statusCode(200).extract().asString();
        String window = given().queryParam("limit", 1).when().get("/api/messages/").then().statusCode(200).extract().asString();
        assertEquals("[" + item + "]", window);
        assertEquals(true, streamed.startsWith("[" + item + ","), streamed);
    }

    @Test
    void countIsExactForASmallTable() {
        given().when().get("/api/messages/count").then().statusCode(200).contentType(ContentType.JSON)
                .body("count", equalTo(0)).body("exact", equalTo(true));
        create("one", "1");
        create("two", "2");
        given().when().get("/api/messages/count/").then().statusCode(200)
                .body("count", equalTo(2)).body("exact", equalTo(true));
    }

    @Test
    void trailingSlashIsOptionalEverywhere() {
        int pk = create("slash", "x");
        given().when().get("/api/messages").then().statusCode(200).body("$", hasSize(1));
        given().when().get("/api/messages/" + pk).then().statusCode(200).body("pk", equalTo(pk));
        given().contentType(ContentType.JSON).body("{\"subject\":\"no slash\",\"body\":\"y\"}")
                .when().post("/api/messages").then().statusCode(201);
        given().contentType(ContentType.JSON).body("{\"subject\":\"put\",\"body\":\"z\"}")
                .when().put("/api/messages/" + pk).then().statusCode(200).body("subject", equalTo("put"));
        given().when().delete("/api/messages/" + pk).then().statusCode(204);
    }

    @Test
    void putReplacesAndIgnoresReadOnlyFieldsSentBack() {
        int pk = create("old", "old body");
        // The original page sends the whole object back, url and pk included.
        given().contentType(ContentType.JSON)
                .body(Map.of("url", "http://elsewhere/api/messages/999/", "pk", 999, "subject", "new", "body", "new body"))
                .when().put("/api/messages/" + pk + "/")
                .then().statusCode(200).body("pk", equalTo(pk)).body("subject", equalTo("new")).body("body", equalTo("new body"));
    }

    @Test
    void patchChangesOnlyTheGivenField() {
        int pk = create("subject", "body");
        given().contentType(ContentType.JSON).body("{\"body\":\"patched\"}")
                .when().patch("/api/messages/" + pk + "/")
                .then().statusCode(200).body("subject", equalTo("subject")).body("body", equalTo("patched"));
        given().contentType("application/merge-patch+json").body("{\"subject\":\"merged\"}")
                .when().patch("/api/messages/" + pk + "/")
                .then().statusCode(200).body("subject", equalTo("merged")).body("body", equalTo("patched"));
    }

    @Test
    void deleteRemovesAndASecondDeleteIs404() {
        int keep = create("keep", "k");
        int gone = create("gone", "g");
        given().when().delete("/api/messages/" + gone + "/").then().statusCode(204);
        given().when().get("/api/messages/").then().body("pk", contains(keep));
        given().when().delete("/api/messages/" + gone + "/").then().statusCode(404)
                .contentType("application/problem+json");
    }

    @Test
    void itemUrlFollowsTheProxyHeaders() {
        int pk = create("proxied", "p");
        given().header("X-Forwarded-Host", "messages.example").header("X-Forwarded-Proto", "https")
                .when().get("/api/messages/" + pk + "/")
                .then().statusCode(200).body("url", equalTo("https://messages.example/api/messages/" + pk + "/"));
    }

    /** messagestack_idempotent_replays_total from /q/metrics; 0 before the first replay registers it. */
    private static double idempotentReplays() {
        String metrics = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        return metrics.lines().filter(l -> l.startsWith("messagestack_idempotent_replays_total"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    @Test
    void idempotencyKeyStoresTheMessageOnce() {
        double replaysBefore = idempotentReplays();
        var first = given().contentType(ContentType.JSON).header("Idempotency-Key", "order-42")
                .body("{\"subject\":\"once\",\"body\":\"only once\"}")
                .when().post("/api/messages/").then().statusCode(201).extract();
        var second = given().contentType(ContentType.JSON).header("Idempotency-Key", "order-42")
                .body("{\"subject\":\"once\",\"body\":\"only once\"}")
                .when().post("/api/messages/").then().statusCode(201)
                .header("Idempotent-Replayed", "true").extract();
        assertEquals((Integer) first.path("pk"), (Integer) second.path("pk"));
        List<Integer> pks = given().when().get("/api/messages/").then().extract().path("pk");
        assertEquals(List.of((Integer) first.path("pk")), pks);
        assertEquals(replaysBefore + 1, idempotentReplays(), "the replayed create is counted once, the first not");
    }

    @Test
    void aKeylessCreateSentAgainByTheEdgeIsStoredOnce() {
        // nginx sends a keyless create a second time with the same X-Edge-Request-Id when its first
        // try may have reached a pod that then died; the second must find the first's row.
        var first = given().contentType(ContentType.JSON).header("X-Edge-Request-Id", "0f3c9a")
                .body("{\"subject\":\"edge\",\"body\":\"tried twice\"}")
                .when().post("/api/messages/").then().statusCode(201).extract();
        var second = given().contentType(ContentType.JSON).header("X-Edge-Request-Id", "0f3c9a")
                .body("{\"subject\":\"edge\",\"body\":\"tried twice\"}")
                .when().post("/api/messages/").then().statusCode(201).extract();
        assertEquals((Integer) first.path("pk"), (Integer) second.path("pk"));
        // Another request (another edge id) is another message, and a client key wins over an edge id.
        given().contentType(ContentType.JSON).header("X-Edge-Request-Id", "7d21be")
                .body("{\"subject\":\"edge\",\"body\":\"tried twice\"}")
                .when().post("/api/messages/").then().statusCode(201);
        given().contentType(ContentType.JSON).header("X-Edge-Request-Id", "0f3c9a").header("Idempotency-Key", "client-1")
                .body("{\"subject\":\"edge\",\"body\":\"tried twice\"}")
                .when().post("/api/messages/").then().statusCode(201);
        List<String> subjects = given().when().get("/api/messages/").then().extract().path("subject");
        assertEquals(3, subjects.size());
    }

    @Test
    void idempotencyKeyReusedForOtherContentIs422AndStoresNothing() {
        given().contentType(ContentType.JSON).header("Idempotency-Key", "k-1")
                .body("{\"subject\":\"one\",\"body\":\"1\"}").when().post("/api/messages/").then().statusCode(201);
        given().contentType(ContentType.JSON).header("Idempotency-Key", "k-1")
                .body("{\"subject\":\"two\",\"body\":\"2\"}").when().post("/api/messages/")
                .then().statusCode(422).contentType("application/problem+json")
                .body("errors[0].field", equalTo("Idempotency-Key"));
        given().when().get("/api/messages/").then().body("subject", contains("one"));
    }

    @Test
    void withoutAKeyEveryPostIsANewMessage() {
        create("same", "same");
        create("same", "same");
        given().when().get("/api/messages/").then().body("$", hasSize(2));
    }

    @Test
    void everyResponseNamesTheInstance() {
        given().when().get("/api/messages/").then().header("X-Served-By", notNullValue());
        given().when().get("/q/health/live").then().header("X-Served-By", notNullValue());
        given().when().get("/api/messages/nope").then().header("X-Served-By", notNullValue());
    }
}
