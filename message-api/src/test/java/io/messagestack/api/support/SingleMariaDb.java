package io.messagestack.api.support;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/** Checks, before the application boots, that the single test MariaDB is up. */
public class SingleMariaDb implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        TestServers.requireListening(TestServers.SINGLE_MARIADB, "The test MariaDB", "hack/api/start-mariadb.sh");
        return Map.of("quarkus.datasource.jdbc.url", TestServers.jdbcUrl(TestServers.SINGLE_MARIADB)
                .replace("socketTimeout=10000", "socketTimeout=9000"));
    }

    @Override
    public void stop() {
    }
}
