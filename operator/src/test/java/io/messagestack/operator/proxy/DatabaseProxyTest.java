package io.messagestack.operator.proxy;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.messagestack.operator.common.ConfigHash;
import io.messagestack.operator.common.TestStacks;
import io.messagestack.operator.crd.MessageStackSpec;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatabaseProxyTest {
    @Test
    void oneServerPerDatabaseNodeByItsStableDnsName() {
        MessageStackSpec spec = new MessageStackSpec();
        spec.database.replicas = 5;
        String cfg = new DatabaseProxy(TestStacks.stack(spec)).config().getData().get("haproxy.cfg");
        assertTrue(cfg.contains("server db-0 shop-db-0.shop-db-peers.prod.svc.cluster.local:3306\n"));
        assertTrue(cfg.contains("server db-4 shop-db-4.shop-db-peers.prod.svc.cluster.local:3306 backup\n"));
    }

    @Test
    void proxyKeepsServingUntilTheEndpointIsGone() {
        var c = new DatabaseProxy(TestStacks.stack(new MessageStackSpec())).deployment().getSpec().getTemplate()
                .getSpec().getContainers().get(0);
        assertEquals(java.util.List.of("/bin/sh", "-c", "sleep 3"), c.getLifecycle().getPreStop().getExec().getCommand());
    }

    @Test
    void deploymentServiceAndRollOnConfigChange() {
        MessageStackSpec spec = new MessageStackSpec();
        Deployment d = new DatabaseProxy(TestStacks.stack(spec)).deployment();
        assertEquals("shop-proxy", d.getMetadata().getName());
        assertEquals(2, d.getSpec().getReplicas());
        var c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals("haproxy:2.8", c.getImage());
        assertEquals("/etc/messagestack/haproxy/haproxy.cfg", c.getCommand().get(c.getCommand().size() - 1));
        assertEquals("/healthz", c.getReadinessProbe().getHttpGet().getPath());
        assertEquals(3306, new DatabaseProxy(TestStacks.stack(spec)).service().getSpec().getPorts().get(0).getPort());
    }

    @Test
    void scalingTheDatabaseDoesNotRollTheProxies() {
        MessageStackSpec spec = new MessageStackSpec();
        String three = new DatabaseProxy(TestStacks.stack(spec)).config().getData().get("haproxy.cfg");
        String hash = hash(spec);
        spec.database.replicas = 5;
        assertEquals(three, new DatabaseProxy(TestStacks.stack(spec)).config().getData().get("haproxy.cfg"));
        assertEquals(hash, hash(spec));
        spec.database.replicas = DatabaseProxy.MIN_SERVER_SLOTS;
        assertEquals(hash, hash(spec));
        // Beyond the slots the config grows (and the proxies roll once).
        spec.database.replicas = DatabaseProxy.MIN_SERVER_SLOTS + 2;
        String eleven = new DatabaseProxy(TestStacks.stack(spec)).config().getData().get("haproxy.cfg");
        assertTrue(eleven.contains("server db-10 shop-db-10.shop-db-peers.prod.svc.cluster.local:3306 backup\n"));
        assertNotEquals(hash, hash(spec));
    }

    @Test
    void aServerOfAPodThatDoesNotExistWaitsForItsDnsRecord() {
        String cfg = new DatabaseProxy(TestStacks.stack(new MessageStackSpec())).config().getData().get("haproxy.cfg");
        assertEquals(DatabaseProxy.MIN_SERVER_SLOTS, cfg.lines().filter(l -> l.trim().startsWith("server ")).count());
        assertTrue(cfg.contains("resolvers cluster init-addr last,libc,none"), "start without an address, resolve later");
    }

    private static String hash(MessageStackSpec spec) {
        return new DatabaseProxy(TestStacks.stack(spec)).deployment().getSpec().getTemplate().getMetadata()
                .getAnnotations().get(ConfigHash.ANNOTATION);
    }
}
