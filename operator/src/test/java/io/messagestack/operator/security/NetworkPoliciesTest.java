package io.messagestack.operator.security;

import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.messagestack.operator.common.TestStacks;
import io.messagestack.operator.crd.MessageStackSpec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NetworkPoliciesTest {
    private static Map<String, NetworkPolicy> byName(MessageStackSpec spec, List<String> proxyNodes) {
        return NetworkPolicies.desired(TestStacks.stack(spec), "ops", proxyNodes, List.of()).stream()
                .collect(Collectors.toMap(p -> p.getMetadata().getName(), p -> p));
    }

    @Test
    void onlyProxyReachesTheDatabaseAndOnlyApiReachesTheProxy() {
        Map<String, NetworkPolicy> p = byName(new MessageStackSpec(), List.of());
        var db = p.get("shop-database-ingress").getSpec();
        assertEquals("database", db.getPodSelector().getMatchLabels().get("app.kubernetes.io/component"));
        var mysqlRule = db.getIngress().get(0);
        assertEquals("proxy", mysqlRule.getFrom().get(0).getPodSelector().getMatchLabels()
                .get("app.kubernetes.io/component"));
        assertEquals(3306, mysqlRule.getPorts().get(0).getPort().getIntVal());
        var proxy = p.get("shop-proxy-ingress").getSpec();
        assertEquals("api", proxy.getIngress().get(0).getFrom().get(0).getPodSelector().getMatchLabels()
                .get("app.kubernetes.io/component"));
        assertEquals(List.of("Ingress"), proxy.getPolicyTypes());
        assertTrue(p.containsKey("shop-api-ingress"));
        assertFalse(p.containsKey("shop-frontend-ingress"), "the page is public");
    }

    @Test
    void noPodReachesTheAgentsExtraPort() {
        // MariaDB's extra_port (the agent's logins beyond max_connections) listens on the pod's addresses too;
        // only the NetworkPolicy keeps it local: no rule may admit it, and the policy covers every ingress.
        MessageStackSpec spec = new MessageStackSpec();
        spec.database.engine = io.messagestack.operator.crd.Engine.MARIADB_GALERA;
        var db = byName(spec, List.of()).get("shop-database-ingress").getSpec();
        assertEquals(List.of("Ingress"), db.getPolicyTypes());
        assertFalse(db.getIngress().isEmpty());
        for (var rule : db.getIngress()) {
            assertFalse(rule.getPorts() == null || rule.getPorts().isEmpty(), "a rule without ports admits every port");
            assertTrue(rule.getPorts().stream().noneMatch(
                    port -> port.getPort().getIntVal() == io.messagestack.operator.database.MyCnfRenderer.EXTRA_PORT),
                    "the extra port is admitted: " + rule);
        }
    }

    @Test
    void databasePeersReachEachOthersAgent() {
        var db = byName(new MessageStackSpec(), List.of()).get("shop-database-ingress").getSpec();
        var peerRule = db.getIngress().stream()
                .filter(r -> r.getFrom().stream().anyMatch(f -> f.getPodSelector() != null && "database".equals(
                        f.getPodSelector().getMatchLabels().get("app.kubernetes.io/component"))))
                .findFirst().orElseThrow();
        // A starting node asks its peers' agents whether a Primary component exists (galera-start.sh).
        assertTrue(peerRule.getPorts().stream().anyMatch(port -> port.getPort().getIntVal() == 9200));
        assertTrue(peerRule.getPorts().stream().anyMatch(port -> port.getPort().getIntVal() == 4567));
    }

    @Test
    void hostNetworkProxiesAreAllowedByNodeAddressAndNeverByAnEmptyRule() {
        MessageStackSpec spec = new MessageStackSpec();
        spec.vip.enabled = true;
        var withNodes = byName(spec, List.of("10.0.0.5")).get("shop-database-ingress").getSpec().getIngress().get(0);
        assertEquals("10.0.0.5/32", withNodes.getFrom().get(0).getIpBlock().getCidr());
        var noNodes = byName(spec, List.of()).get("shop-database-ingress").getSpec().getIngress().get(0);
        assertFalse(noNodes.getFrom().isEmpty(), "an empty from would allow everyone");
    }

    @Test
    void onlyLabelledScrapersReachTheMetricsPorts() {
        Map<String, NetworkPolicy> p = byName(new MessageStackSpec(), List.of());
        for (var c : List.of(new String[]{"shop-database-ingress", "9200"}, new String[]{"shop-proxy-ingress", "8405"},
                new String[]{"shop-api-ingress", "8080"})) {
            var rule = p.get(c[0]).getSpec().getIngress().stream()
                    .filter(r -> r.getFrom().stream().anyMatch(f -> f.getNamespaceSelector() != null
                            && "true".equals(f.getNamespaceSelector().getMatchLabels().get("messagestack.io/metrics-scraper"))))
                    .findFirst().orElseThrow(() -> new AssertionError(c[0] + " has no scraper rule"));
            var from = rule.getFrom().get(0);
            assertEquals(1, rule.getFrom().size());
            assertEquals(Map.of("app.kubernetes.io/name", "prometheus"), from.getPodSelector().getMatchLabels(),
                    "namespace and pod selector in one peer: both must match");
            assertEquals(List.of(Integer.parseInt(c[1])), rule.getPorts().stream().map(x -> x.getPort().getIntVal()).toList(),
                    c[0] + ": the scraper reaches the metrics port only");
        }
    }

    @Test
    void theOperatorReadsTheProxiesMetricsPortOnly() {
        var proxy = byName(new MessageStackSpec(), List.of()).get("shop-proxy-ingress").getSpec();
        var rule = proxy.getIngress().stream()
                .filter(r -> r.getFrom().stream().anyMatch(f -> f.getPodSelector() != null && "messagestack-operator"
                        .equals(f.getPodSelector().getMatchLabels().get("app.kubernetes.io/name"))))
                .findFirst().orElseThrow(() -> new AssertionError("the operator cannot read where the proxies write"));
        assertEquals(List.of(8405), rule.getPorts().stream().map(x -> x.getPort().getIntVal()).toList(),
                "the operator reaches the proxies' metrics port, not the SQL port");
    }

    @Test
    void theOperatorReachesThePortTheNodeLossGuardProbesOnEveryPolicedComponent() {
        Map<String, NetworkPolicy> policies = byName(new MessageStackSpec(), List.of());
        for (String component : List.of(io.messagestack.operator.common.Components.FRONTEND,
                io.messagestack.operator.common.Components.PROXY, io.messagestack.operator.common.Components.API)) {
            int port = io.messagestack.operator.nodeloss.UnreachablePods.probePort(component).orElseThrow();
            NetworkPolicy policy = policies.get("shop-" + component + "-ingress");
            if (policy == null) {
                continue; // no policy: nothing is refused (nginx is the public entry point)
            }
            boolean allowed = policy.getSpec().getIngress().stream()
                    .filter(r -> r.getFrom().stream().anyMatch(f -> f.getPodSelector() != null && "messagestack-operator"
                            .equals(f.getPodSelector().getMatchLabels().get("app.kubernetes.io/name"))))
                    .anyMatch(r -> r.getPorts().stream().anyMatch(x -> x.getPort().getIntVal() == port));
            assertTrue(allowed, component + ": the node-loss guard's connects to port " + port + " would be dropped,"
                    + " and every pod would look lost");
        }
    }
}
