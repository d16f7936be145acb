package io.messagestack.api.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.AgroalConnectionPoolConfiguration;
import io.agroal.api.configuration.AgroalDataSourceConfiguration;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The pool's maximum follows the abandoned sessions; attempts stop when they fill it beside its minimum. */
class AbandonedConnectionsTest {

    /** A pool configured with max 24 / min 2 whose current maximum is maxSize (set through setMaxSize). */
    static AgroalDataSource pool(AtomicInteger maxSize) {
        AgroalConnectionPoolConfiguration poolConfig = (AgroalConnectionPoolConfiguration) Proxy.newProxyInstance(
                AbandonedConnectionsTest.class.getClassLoader(), new Class<?>[] {AgroalConnectionPoolConfiguration.class},
                (p, m, a) -> switch (m.getName()) {
                    case "maxSize" -> maxSize.get();
                    case "minSize" -> 2;
                    case "setMaxSize" -> {
                        maxSize.set((Integer) a[0]);
                        yield null;
                    }
                    default -> throw new UnsupportedOperationException(m.getName());
                });
        AgroalDataSourceConfiguration config = (AgroalDataSourceConfiguration) Proxy.newProxyInstance(
                AbandonedConnectionsTest.class.getClassLoader(), new Class<?>[] {AgroalDataSourceConfiguration.class},
                (p, m, a) -> {
                    if (m.getName().equals("connectionPoolConfiguration")) {
                        return poolConfig;
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
        return (AgroalDataSource) Proxy.newProxyInstance(AbandonedConnectionsTest.class.getClassLoader(),
                new Class<?>[] {AgroalDataSource.class}, (p, m, a) -> {
                    if (m.getName().equals("getConfiguration")) {
                        return config;
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
    }

    @Test
    void thePoolShrinksByTheAbandonedSessionsAndAttemptsStopAtTheLimit() {
        AtomicInteger max = new AtomicInteger(24);
        AbandonedConnections abandoned = new AbandonedConnections(pool(max), new SimpleMeterRegistry());
        try {
            assertEquals(22, abandoned.limit(), "the configured max less the pool's minimum");
            abandoned.record(0);
            abandoned.record(-1);
            assertEquals(0, abandoned.count(), "an unknown session id is not counted");
            abandoned.record(101);
            abandoned.record(101);
            assertEquals(1, abandoned.count(), "one session counted once");
            assertEquals(23, max.get());
            for (long id = 102; id < 122; id++) {
                abandoned.record(id);
            }
            assertEquals(21, abandoned.count());
            assertEquals(3, max.get());
            assertFalse(abandoned.full());
            abandoned.record(122);
            assertTrue(abandoned.full());
            assertEquals(2, max.get(), "never below the pool's minimum");
            abandoned.record(123);
            assertEquals(2, max.get());
            assertEquals(24, abandoned.poolMaxFor(0));
        } finally {
            abandoned.stop();
        }
    }
}
