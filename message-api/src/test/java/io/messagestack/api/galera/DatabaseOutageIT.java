package io.messagestack.api.galera;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.messagestack.api.support.ApiProcess;
import io.messagestack.api.support.Galera;
import io.messagestack.api.support.Http;

/**
 * The whole database path goes away (every HAProxy server disabled, sessions cut): readiness
 * notices within about a second, liveness stays up, writes answer a clean 503 after the
 * bounded retries, a short outage is ridden out by the retries, and all recovers by itself.
 */
class DatabaseOutageIT {

    static ApiProcess api;

    @BeforeAll
    static void start() throws Exception {
        Galera.requireRunning();
        Galera.setAllServers("enable");
        api = ApiProcess.start("api-outage", Galera.haproxyUrl(), Map.of());
    }

    @AfterAll
    static void stop() {
        if (api != null) {
            api.close();
        }
    }

    @AfterEach
    void reenable() throws Exception {
        Galera.setAllServers("enable");
    }

    @Test
    void readinessFollowsTheDatabasePathAndLivenessDoesNot() throws Exception {
        assertEquals(200, Http.get(api.uri("/q/health/ready")).statusCode());
        long cut = System.nanoTime();
        Galera.setAllServers("disable");
        Duration noticed = null;
        while (Galera.since(cut).toSeconds() < 10) {
            HttpResponse<String> ready = Http.get(api.uri("/q/health/ready"));
            if (ready.statusCode() == 503) {
                noticed = Galera.since(cut);
                assertTrue(ready.body().contains("database-path"), ready.body());
                break;
            }
            Thread.sleep(100);
        }
        System.out.println("database path outage noticed by readiness after " + noticed);
        assertTrue(noticed != null && noticed.toMillis() < 2500, "readiness took " + noticed);
        assertEquals(200, Http.get(api.uri("/q/health/live")).statusCode(), "liveness must not depend on the database");

        long failedWrite = System.nanoTime();
        HttpResponse<String> write = Http.post(api.uri("/api/messages/"), Http.messageJson("during outage", "x"), null);
        Duration writeTook = Galera.since(failedWrite);
        assertEquals(503, write.statusCode(), write.body());
        assertTrue(write.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"));
        assertEquals("1", write.headers().firstValue("Retry-After").orElse(""));
        assertTrue(writeTook.toSeconds() < 15, "a write during an outage must give up in bounded time, took " + writeTook);
        assertEquals(503, Http.get(api.uri("/api/messages/")).statusCode());

        long restored = System.nanoTime();
        Galera.setAllServers("enable");
        api.awaitReady(Duration.ofSeconds(10));
        System.out.println("readiness back after " + Galera.since(restored));
        assertEquals(201, Http.post(api.uri("/api/messages/"), Http.messageJson("after outage", "x"), null).statusCode());
    }

    @Test
    void startsBeforeTheDatabaseIsReachableAndBecomesReadyWhenItIs() throws Exception {
        Galera.setAllServers("disable");
        try (ApiProcess early = ApiProcess.startLive("api-early", Galera.haproxyUrl(), Map.of())) {
            HttpResponse<String> ready = Http.get(early.uri("/q/health/ready"));
            assertEquals(503, ready.statusCode(), ready.body());
            assertTrue(ready.body().contains("schema"), ready.body());
            Thread.sleep(3000);
            assertTrue(early.process().isAlive(), "the service must not exit while the database is away");
            assertEquals(200, Http.get(early.uri("/q/health/live")).statusCode());
            Galera.setAllServers("enable");
            early.awaitReady(Duration.ofSeconds(60)); // migration backoff (up to 10 s) + warm-up (up to 25 s)
            assertEquals(201, Http.post(early.uri("/api/messages/"), Http.messageJson("after late start", "x"), null).statusCode());
        }
    }

    @Test
    void aShortOutageIsRiddenOutByTheRetries() throws Exception {
        assertEquals(200, Http.get(api.uri("/api/messages/?limit=1")).statusCode());
        Galera.setAllServers("disable");
        CompletableFuture<HttpResponse<String>> write = CompletableFuture.supplyAsync(() -> {
            try {
                return Http.post(api.uri("/api/messages/"), Http.messageJson("short outage", "x"), null);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(700);
        Galera.setAllServers("enable");
        HttpResponse<String> answer = write.get();
        assertEquals(201, answer.statusCode(), answer.body());
    }
}
