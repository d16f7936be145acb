package io.messagestack.api.database;

import java.sql.Connection;
import java.sql.SQLException;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.agroal.api.AgroalPoolInterceptor;

/**
 * Gives every connection the pool hands out the configured socket timeout again. {@link GaleraRetry}
 * bounds each attempt's reads with {@code setNetworkTimeout} (1 s, 2 s, ...), and the driver keeps that
 * on the connection after it goes back to the pool: the next borrower (a list stream, a bulk statement)
 * then failed with "Read timed out" after about a second under load.
 */
@ApplicationScoped
public class NetworkTimeoutReset implements AgroalPoolInterceptor {

    private static final Logger LOG = Logger.getLogger(NetworkTimeoutReset.class);

    private final int socketTimeoutMs;

    NetworkTimeoutReset(
            @ConfigProperty(name = "quarkus.datasource.jdbc.additional-jdbc-properties.socketTimeout", defaultValue = "9000") int socketTimeoutMs) {
        this.socketTimeoutMs = socketTimeoutMs;
    }

    @Override
    public void onConnectionAcquire(Connection connection) {
        try {
            connection.setNetworkTimeout(Runnable::run, socketTimeoutMs);
        } catch (SQLException e) {
            // A connection that cannot take a timeout is a broken one: its first statement fails and
            // the pool drops it (SQL state 08), which is what the callers already handle.
            LOG.debugf("event=network_timeout_reset_failed error=\"%s\"", e.getMessage());
        }
    }
}
