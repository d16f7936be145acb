package io.messagestack.operator.api;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.messagestack.operator.common.TestStacks;
import io.messagestack.operator.crd.Engine;
import io.messagestack.operator.crd.MessageStackSpec;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MessageApiTest {
    private static Map<String, EnvVar> env(MessageStackSpec spec) {
        return new MessageApi(TestStacks.stack(spec)).deployment().getSpec().getTemplate().getSpec().getContainers()
                .get(0).getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
    }

    @Test
    void connectsThroughHaproxyWithTheLeastPrivilegedAppUser() {
        Map<String, EnvVar> env = env(new MessageStackSpec());
        assertEquals("jdbc:mysql://shop-proxy:3306/messages?sessionVariables=wsrep_sync_wait=1", env.get("QUARKUS_DATASOURCE_JDBC_URL").getValue());
        assertEquals("messageapi", env.get("QUARKUS_DATASOURCE_USERNAME").getValue());
        var ref = env.get("QUARKUS_DATASOURCE_PASSWORD").getValueFrom().getSecretKeyRef();
        assertEquals("shop-db-credentials", ref.getName());
        assertEquals("app", ref.getKey());
        assertNull(env.get("QUARKUS_DATASOURCE_PASSWORD").getValue());
        assertFalse(env.containsKey("QUARKUS_HIBERNATE_ORM_DATABASE_VERSION_CHECK_ENABLED"));
    }

    @Test
    void mariadbTurnsOffHibernatesVersionCheck() {
        MessageStackSpec spec = new MessageStackSpec();
        spec.database.engine = Engine.MARIADB_GALERA;
        assertEquals("false", env(spec).get("QUARKUS_HIBERNATE_ORM_DATABASE_VERSION_CHECK_ENABLED").getValue());
    }

    @Test
    void probesAndService() {
        MessageStackSpec spec = new MessageStackSpec();
        spec.api.replicas = 4;
        MessageApi api = new MessageApi(TestStacks.stack(spec));
        var c = api.deployment().getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals(4, api.deployment().getSpec().getReplicas());
        assertEquals("messagestack/message-api:dev", c.getImage());
        assertEquals("/q/health/ready", c.getReadinessProbe().getHttpGet().getPath());
        assertEquals(3, c.getReadinessProbe().getTimeoutSeconds(), "not the default 1 s: a loaded node answers later");
        assertEquals(3, c.getLivenessProbe().getTimeoutSeconds());
        assertEquals("/q/health/live", c.getLivenessProbe().getHttpGet().getPath());
        assertEquals("shop-api", api.service().getMetadata().getName());
        assertEquals(8080, api.service().getSpec().getPorts().get(0).getPort());
    }

    @Test
    void graceCoversTheApisOwnShutdownDelayAndTimeout() {
        // message-api: quarkus.shutdown.delay=3s (endpoint removal) + quarkus.shutdown.timeout=20s (requests in flight).
        var pod = new MessageApi(TestStacks.stack(new MessageStackSpec())).deployment().getSpec().getTemplate().getSpec();
        assertTrue(pod.getTerminationGracePeriodSeconds() >= 23);
    }
}
