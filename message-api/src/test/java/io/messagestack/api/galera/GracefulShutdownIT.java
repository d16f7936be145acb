package io.messagestack.api.galera;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.messagestack.api.support.ApiProcess;
import io.messagestack.api.support.Galera;
import io.messagestack.api.support.Http;

/**
 * SIGTERM (pod deletion, rolling update) while a request is in flight: readiness turns DOWN
 * at once, the in-flight request still completes, then the process exits.
 */
class GracefulShutdownIT {

    @BeforeAll
    static void cluster() {
        Galera.requireRunning();
    }

    @Test
    void anInFlightRequestCompletesAfterSigterm() throws Exception {
        try (ApiProcess api = ApiProcess.start("api-shutdown", Galera.nodeUrl(1), Map.of("QUARKUS_SHUTDOWN_DELAY", "2s"))) {
            long pk = Http.pkOf(Http.post(api.uri("/api/messages/"), Http.messageJson("locked", "x"), null).body());
            CompletableFuture<HttpResponse<String>> inFlight;
            try (Connection lock = java.sql.DriverManager.getConnection(Galera.nodeUrl(1), "messages", "messages")) {
                lock.setAutoCommit(false);
                try (Statement s = lock.createStatement()) {
                    s.executeQuery("SELECT * FROM message WHERE id = " + pk + " FOR UPDATE").close();
                }
                // The update waits on the row lock, so it is surely in flight when SIGTERM arrives.
                inFlight = CompletableFuture.supplyAsync(() -> {
                    try {
                        return Http.put(api.uri("/api/messages/" + pk + "/"), Http.messageJson("updated during shutdown", "x"));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                Thread.sleep(500);
                api.terminate();
                long signalled = System.nanoTime();
                int readiness = 0;
                while (Galera.since(signalled).toMillis() < 1500) {
                    try {
                        readiness = Http.get(api.uri("/q/health/ready")).statusCode();
                        if (readiness == 503) {
                            break;
                        }
                    } catch (java.io.IOException closed) {
                        break;
                    }
                    Thread.sleep(50);
                }
                assertEquals(503, readiness, "readiness should report DOWN while the instance drains");
                Thread.sleep(2500); // past the shutdown delay: the server is now waiting for in-flight requests
                assertTrue(api.process().isAlive(), "exited while a request was in flight");
                lock.rollback();
            }
            HttpResponse<String> answer = inFlight.get(20, TimeUnit.SECONDS);
            assertEquals(200, answer.statusCode(), answer.body());
            assertTrue(answer.body().contains("updated during shutdown"), answer.body());
            assertTrue(api.process().waitFor(20, TimeUnit.SECONDS), "did not exit after draining");
        }
    }
}
