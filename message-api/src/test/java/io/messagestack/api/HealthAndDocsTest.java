package io.messagestack.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import org.junit.jupiter.api.Test;

import io.messagestack.api.support.SingleMariaDb;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Health, metrics and API docs endpoints (the database-down cases run in HealthIT). */
@QuarkusTest
@WithTestResource(SingleMariaDb.class)
class HealthAndDocsTest {

    @Test
    void readinessChecksTheDatabasePathAndTheWarmUp() {
        // The warm-up may still run (WarmUpTest waits for it): the checks are listed either way.
        given().when().get("/q/health/ready").then()
                .body("checks.name", hasItem("database-path"))
                .body("checks.name", hasItem("warm-up"))
                .body("checks.find { it.name == 'database-path' }.status", equalTo("UP"));
    }

    @Test
    void livenessIsUp() {
        given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void prometheusMetricsIncludeHttpServerRequests() {
        given().when().get("/api/messages/").then().statusCode(200);
        given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString("http_server_requests_seconds_count"))
                .body(containsString("agroal_active_count"));
    }

    @Test
    void openApiDescribesTheMessagesApi() {
        given().when().get("/q/openapi?format=json").then().statusCode(200)
                .body("paths", org.hamcrest.Matchers.hasKey("/api/messages"));
        given().when().get("/q/swagger-ui/").then().statusCode(200);
    }
}
