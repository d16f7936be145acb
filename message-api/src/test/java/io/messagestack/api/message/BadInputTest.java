package io.messagestack.api.message;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.messagestack.api.support.SingleMariaDb;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;

/**
 * Every kind of bad input answers 4xx with an application/problem+json body that names the
 * field or the reason, never 500, and leaves the stored data as it was.
 */
@QuarkusTest
@WithTestResource(SingleMariaDb.class)
class BadInputTest {

    static final String PROBLEM = "application/problem+json";
    int pk;
    String before;

    @BeforeEach
    void oneStoredMessage() {
        QuarkusTransaction.requiringNew().run(() -> Message.deleteAll());
        pk = MessageApiTest.create("original", "original body");
        before = storedData();
    }

    @AfterEach
    void storedDataUnchanged() {
        assertEquals(before, storedData(), "a rejected request changed the stored data");
    }

    static String storedData() {
        return given().when().get("/api/messages/").then().statusCode(200).extract().asString();
    }

    static ValidatableResponse problem(ValidatableResponse response, int status) {
        return response.statusCode(status).contentType(PROBLEM)
                .body("status", equalTo(status))
                .body("title", not(equalTo(null)))
                .body("detail", not(equalTo(null)))
                .body(not(containsString("Exception")))
                .body(not(containsString("\tat ")));
    }

    ValidatableResponse post(String json) {
        return given().contentType(ContentType.JSON).body(json).when().post("/api/messages/").then();
    }

    @Test
    void malformedJson() {
        problem(post("{\"subject\": \"x\", "), 400).body("detail", containsString("malformed JSON"));
        problem(post("{\"subject\": \"x\", \"body\": \"y\"} trailing"), 400);
        problem(post("not json at all"), 400).body("detail", containsString("malformed JSON"));
    }

    @Test
    void missingSubject() {
        problem(post("{\"body\": \"y\"}"), 400).body("errors.field", hasItem("subject"));
    }

    @Test
    void missingBodyField() {
        problem(post("{\"subject\": \"x\"}"), 400).body("errors.field", hasItem("body"));
    }

    @Test
    void blankSubject() {
        problem(post("{\"subject\": \"   \", \"body\": \"y\"}"), 400).body("errors.field", hasItem("subject"));
    }

    @Test
    void overLongSubject() {
        String subject = "s".repeat(201);
        problem(post("{\"subject\": \"" + subject + "\", \"body\": \"y\"}"), 400)
                .body("errors[0].field", equalTo("subject"))
                .body("errors[0].message", containsString("200"));
        // 200 characters (multi-byte ones too) are fine.
        given().contentType(ContentType.JSON).body(Map.of("subject", "é".repeat(200), "body", "ok"))
                .when().post("/api/messages/").then().statusCode(201);
        before = storedData();
    }

    @Test
    void overLongBody() {
        problem(post("{\"subject\": \"x\", \"body\": \"" + "b".repeat(MessageInput.BODY_MAX + 1) + "\"}"), 400)
                .body("errors.field", hasItem("body"));
    }

    @Test
    void wrongTypes() {
        problem(post("{\"subject\": 123, \"body\": \"y\"}"), 400).body("errors[0].field", equalTo("subject"))
                .body("errors[0].message", containsString("string"));
        problem(post("{\"subject\": \"x\", \"body\": true}"), 400).body("errors[0].field", equalTo("body"));
        problem(post("{\"subject\": {\"nested\": 1}, \"body\": \"y\"}"), 400).body("errors[0].field", equalTo("subject"));
        problem(post("{\"subject\": [\"a\"], \"body\": \"y\"}"), 400).body("errors[0].field", equalTo("subject"));
        problem(post("[{\"subject\": \"x\", \"body\": \"y\"}]"), 400).body("detail", containsString("JSON object"));
        problem(post("\"just a string\""), 400);
    }

    @Test
    void emptyBody() {
        problem(given().contentType(ContentType.JSON).when().post("/api/messages/").then(), 400)
                .body("detail", containsString("body"));
    }

    @Test
    void nonNumericPk() {
        problem(given().when().get("/api/messages/abc/").then(), 404).body("detail", containsString("abc"));
        problem(given().when().delete("/api/messages/1e3/").then(), 404);
        problem(given().contentType(ContentType.JSON).body("{\"subject\":\"x\",\"body\":\"y\"}")
                .when().put("/api/messages/-1/").then(), 404);
    }

    @Test
    void unknownPk() {
        long unknown = pk + 1000;
        problem(given().when().get("/api/messages/" + unknown + "/").then(), 404)
                .body("detail", containsString(Long.toString(unknown)));
        problem(given().contentType(ContentType.JSON).body("{\"subject\":\"x\",\"body\":\"y\"}")
                .when().put("/api/messages/" + unknown + "/").then(), 404);
        problem(given().contentType(ContentType.JSON).body("{\"subject\":\"x\"}")
                .when().patch("/api/messages/" + unknown + "/").then(), 404);
        problem(given().when().delete("/api/messages/" + unknown + "/").then(), 404);
    }

    @Test
    void unsupportedMethod() {
        problem(given().contentType(ContentType.JSON).body("{\"subject\":\"x\",\"body\":\"y\"}")
                .when().put("/api/messages/").then(), 405)
                .header("Allow", containsString("GET"));
        problem(given().when().delete("/api/messages/").then(), 405);
        problem(given().contentType(ContentType.JSON).body("{}").when().post("/api/messages/" + pk + "/").then(), 405)
                .header("Allow", containsString("DELETE"));
    }

    @Test
    void unsupportedContentType() {
        problem(given().contentType(ContentType.TEXT).body("subject=x").when().post("/api/messages/").then(), 415);
        problem(given().contentType(ContentType.URLENC).formParam("subject", "x")
                .when().put("/api/messages/" + pk + "/").then(), 415);
    }

    @Test
    void oversizedBodyWithContentLength() {
        String huge = "{\"subject\":\"x\",\"body\":\"" + "b".repeat(70_000) + "\"}";
        problem(post(huge), 413).body("detail", containsString("65536"));
    }

    @Test
    void oversizedChunkedBody() {
        String huge = "{\"subject\":\"x\",\"body\":\"" + "b".repeat(70_000) + "\"}";
        var stream = new java.io.ByteArrayInputStream(huge.getBytes());
        // An InputStream body makes the client send it chunked, without Content-Length.
        problem(given().contentType(ContentType.JSON).body(stream).when().post("/api/messages/").then(), 413);
    }

    @Test
    void invalidPatchFields() {
        problem(given().contentType(ContentType.JSON).body("{\"subject\": \"\"}")
                .when().patch("/api/messages/" + pk + "/").then(), 400).body("errors[0].field", equalTo("subject"));
        problem(given().contentType(ContentType.JSON).body("{\"subject\": null}")
                .when().patch("/api/messages/" + pk + "/").then(), 400).body("errors[0].field", equalTo("subject"));
        problem(given().contentType(ContentType.JSON).body("{\"body\": 5}")
                .when().patch("/api/messages/" + pk + "/").then(), 400).body("errors[0].field", equalTo("body"));
    }

    @Test
    void invalidPutKeepsTheStoredMessage() {
        problem(given().contentType(ContentType.JSON).body("{\"subject\": \"" + "s".repeat(300) + "\", \"body\": \"y\"}")
                .when().put("/api/messages/" + pk + "/").then(), 400).body("errors[0].field", equalTo("subject"));
    }

    @Test
    void invalidPaging() {
        problem(given().queryParam("limit", "ten").when().get("/api/messages/").then(), 400)
                .body("errors[0].field", equalTo("limit"));
        problem(given().queryParam("offset", "-1").when().get("/api/messages/").then(), 400)
                .body("errors[0].field", equalTo("offset"));
        problem(given().queryParam("limit", "0").when().get("/api/messages/").then(), 400);
        // Negative, huge and non-numeric values of every list parameter: 400 naming it.
        for (String name : new String[] { "limit", "offset", "after_id", "before_id" }) {
            for (String bad : new String[] { "-1", "99999999999999999999", "abc", "1.5", "1e3" }) {
                problem(given().queryParam(name, bad).when().get("/api/messages/").then(), 400)
                        .body("errors.field", contains(name))
                        .body("errors[0].message", containsString("whole number"));
            }
        }
        problem(given().queryParam("limit", "1001").when().get("/api/messages/").then(), 400)
                .body("errors.field", contains("limit"));
        problem(given().queryParam("offset", "100001").when().get("/api/messages/").then(), 400)
                .body("errors.field", contains("offset"));
        problem(given().queryParam("ordering", "subject").when().get("/api/messages/").then(), 400)
                .body("errors.field", contains("ordering"));
        problem(given().queryParam("limit", "x").queryParam("before_id", "-3").when().get("/api/messages/").then(), 400)
                .body("errors.field", contains("limit", "before_id"))
                .body("instance", equalTo("/api/messages/"));
    }

    @Test
    void invalidIdempotencyKey() {
        problem(given().contentType(ContentType.JSON).header("Idempotency-Key", "k".repeat(201))
                .body("{\"subject\":\"x\",\"body\":\"y\"}").when().post("/api/messages/").then(), 400)
                .body("errors[0].field", equalTo("Idempotency-Key"));
    }

    @Test
    void unknownPathUnderTheApi() {
        problem(given().when().get("/api/messages/1/extra").then(), 404);
    }

    @Test
    void problemNamesTheRequestPath() {
        problem(post("{\"body\": \"y\"}"), 400).body("instance", equalTo("/api/messages/"));
        List<String> fields = post("{}").extract().path("errors.field");
        assertEquals(List.of("body", "subject"), fields);
    }
}
