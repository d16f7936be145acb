package io.messagestack.api.database;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.liquibase.LiquibaseFactory;
import io.quarkus.runtime.StartupEvent;
import liquibase.Liquibase;

/**
 * Applies the Liquibase changelog at start, retrying until the database answers. Quarkus'
 * own migrate-at-start fails the whole start when the database is not reachable yet (API pods
 * usually start before the Galera cluster is Primary, or while a node is joining), which on
 * Kubernetes turns into a CrashLoopBackOff that delays recovery by minutes. Here the service
 * starts, stays live, and reports not-ready until the schema is in place.
 * In background mode (the default) start does not wait; tests run it in the foreground.
 */
@ApplicationScoped
public class SchemaMigration {

    private static final Logger LOG = Logger.getLogger(SchemaMigration.class);

    private final LiquibaseFactory liquibase;
    private final boolean background;
    private volatile boolean done;
    private volatile String lastError = "not started";

    SchemaMigration(LiquibaseFactory liquibase,
            @ConfigProperty(name = "messagestack.schema.migrate-in-background", defaultValue = "true") boolean background) {
        this.liquibase = liquibase;
        this.background = background;
    }

    void onStart(@Observes StartupEvent event) {
        if (background) {
            Thread thread = new Thread(this::migrateUntilDone, "schema-migration");
            thread.setDaemon(true);
            thread.start();
        } else {
            migrateUntilDone();
        }
    }

    public boolean done() {
        return done;
    }

    public String lastError() {
        return lastError;
    }

    private void migrateUntilDone() {
        Backoff backoff = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(10));
        for (int attempt = 1; !done; attempt++) {
            try (Liquibase migration = liquibase.createLiquibase()) {
                migration.update(liquibase.createContexts(), liquibase.createLabels());
                done = true;
                LOG.infof("event=schema_migrated attempts=%d", attempt);
            } catch (Exception e) {
                lastError = GaleraRetry.rootMessage(e);
                Duration pause = backoff.pauseAfter(attempt, Math::random);
                LOG.warnf("event=schema_migration_retry attempt=%d pause_ms=%d error=\"%s\"", attempt, pause.toMillis(), lastError);
                try {
                    Thread.sleep(pause.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
