package io.messagestack.api.database;

import java.sql.Connection;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only once the schema is migrated and while a connection through the configured path
 * (HAProxy -> a Galera node) answers.
 * Bounded: the pool gives up after its acquisition timeout, the ping after one second.
 * Deliberately not a liveness check: a database outage must not restart every API pod.
 */
@Readiness
@ApplicationScoped
public class DatabasePathReadiness implements HealthCheck {

    private final DataSource dataSource;
    private final SchemaMigration schema;

    DatabasePathReadiness(DataSource dataSource, SchemaMigration schema) {
        this.dataSource = dataSource;
        this.schema = schema;
    }

    @Override
    public HealthCheckResponse call() {
        if (!schema.done()) {
            return HealthCheckResponse.named("database-path").down()
                    .withData("schema", "not migrated yet: " + schema.lastError()).build();
        }
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
