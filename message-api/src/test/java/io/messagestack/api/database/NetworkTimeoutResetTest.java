package io.messagestack.api.database;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.messagestack.api.support.SingleMariaDb;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** A timeout one borrower set (GaleraRetry's per-attempt bound) does not follow the connection to the next. */
@QuarkusTest
@WithTestResource(SingleMariaDb.class)
class NetworkTimeoutResetTest {

    @Inject
    AgroalDataSource pool;

    @Test
    void everyBorrowedConnectionStartsWithTheConfiguredSocketTimeout() throws Exception {
        try (Connection first = pool.getConnection()) {
            first.setNetworkTimeout(Runnable::run, 1000);
        }
        // Borrow the whole pool at once: the connection given back above is one of them.
        int maxSize = pool.getConfiguration().connectionPoolConfiguration().maxSize();
        List<Connection> all = new ArrayList<>();
        try {
            for (int i = 0; i < maxSize; i++) {
                all.add(pool.getConnection());
            }
            for (Connection c : all) {
                assertEquals(9000, c.getNetworkTimeout());
            }
        } finally {
            for (Connection c : all) {
                c.close();
            }
        }
    }
}
