package io.messagestack.api.database;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import javax.sql.DataSource;

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
 * A start whose every change set is already recorded in DATABASECHANGELOG skips Liquibase (see
 * {@link ChangelogEntries}); any doubt (no table, a missing entry, an error) goes through it.
 */
@ApplicationScoped
public class SchemaMigration {

    private static final Logger LOG = Logger.getLogger(SchemaMigration.class);

    private final LiquibaseFactory liquibase;
    private final DataSource dataSource;
    private final List<String> declared;
    private final boolean background;
    private volatile boolean done;
    private volatile String lastError = "not started";

    SchemaMigration(LiquibaseFactory liquibase, DataSource dataSource,
            @ConfigProperty(name = "quarkus.liquibase.change-log") String changeLog,
            @ConfigProperty(name = "messagestack.schema.migrate-in-background", defaultValue = "true") boolean background) {
        this.liquibase = liquibase;
        this.dataSource = dataSource;
        this.declared = ChangelogEntries.declared(changeLog);
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
            if (alreadyApplied()) {
                done = true;
                LOG.infof("event=schema_current change_sets=%d liquibase=skipped", declared.size());
                return;
            }
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

    /** True only when DATABASECHANGELOG records every declared change set; false on any doubt. */
    private boolean alreadyApplied() {
        Set<String> applied = new HashSet<>();
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            statement.setQueryTimeout(5);
            try (ResultSet rows = statement.executeQuery("SELECT AUTHOR, ID FROM DATABASECHANGELOG")) {
                while (rows.next()) {
                    applied.add(rows.getString(1) + ":" + rows.getString(2));
                }
            }
        } catch (SQLException e) {
            LOG.debugf("event=schema_check_skipped reason=\"%s\"", GaleraRetry.rootMessage(e));
            return false;
        }
        Set<String> missing = ChangelogEntries.missing(declared, applied);
        if (!missing.isEmpty()) {
            LOG.infof("event=schema_changes_pending missing=\"%s\"", String.join(",", missing));
        }
        return missing.isEmpty();
    }
}
