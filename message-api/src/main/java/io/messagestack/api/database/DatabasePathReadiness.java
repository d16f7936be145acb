package io.messagestack.api.database;

import java.sql.Connection;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only while a connection through the configured path (HAProxy -> a Galera node) answers.
 * Bounded: the pool gives up after its acquisition timeout, the ping after one second.
 * Deliberately not a liveness check: a database outage must not restart every API pod.
 */
@Readiness
@ApplicationScoped
public class DatabasePathReadiness implements HealthCheck {

    private final DataSource dataSource;

    DatabasePathReadiness(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public HealthCheckResponse call() {
        long started = System.nanoTime();
        try (Connection connection = dataSource.getConnection()) {
            boolean valid = connection.isValid(1);
            return HealthCheckResponse.named("database-path")
                    .status(valid)
                    .withData("elapsedMs", (System.nanoTime() - started) / 1_000_000)
                    .build();
        } catch (Exception e) {
            return HealthCheckResponse.named("database-path")
                    .down()
                    .withData("error", GaleraRetry.rootMessage(e))
                    .withData("elapsedMs", (System.nanoTime() - started) / 1_000_000)
                    .build();
        }
    }
}
