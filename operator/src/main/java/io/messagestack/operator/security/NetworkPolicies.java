package io.messagestack.operator.security;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;
import io.messagestack.operator.api.MessageApi;
import io.messagestack.operator.common.Components;
import io.messagestack.operator.common.Labels;
import io.messagestack.operator.common.Scrape;
import io.messagestack.operator.common.Stack;
import io.messagestack.operator.database.DatabaseCluster;
import io.messagestack.operator.proxy.DatabaseProxy;
import io.messagestack.operator.proxy.HaproxyConfigRenderer;

import java.util.ArrayList;
import java.util.List;

/**
 * Only HAProxy (and the stack's backup Jobs and binary log archiver, SQL only) reaches the database, only message-api reaches HAProxy, only nginx reaches message-api. Galera
 * nodes reach each other; the operator reaches the agents (for status). When the VIP is on, nginx and HAProxy use
 * the host network, so they are allowed by their node addresses instead of their pod labels. The in-cluster metrics
 * scrapers ({@link Scrape}) reach the agents', HAProxy's and message-api's metrics ports.
 */
public final class NetworkPolicies {
    /**
     * Between database pods: SQL, group communication, IST, SST, and the agent: a starting node asks its peers'
     * agents (GET /state) whether a Primary component exists before it joins, so without the agent port a restarted
     * node waits for a full-crash decision forever.
     */
    private static final int[] GALERA_PORTS =
            {DatabaseCluster.MYSQL_PORT, 4567, 4568, 4444, DatabaseCluster.AGENT_PORT};

    private NetworkPolicies() {
    }

    public static List<NetworkPolicy> desired(Stack stack, String operatorNamespace, List<String> proxyNodes,
                                              List<String> frontendNodes) {
        boolean hostNetwork = stack.spec().vip.enabled;
        List<NetworkPolicyIngressRule> dbRules = new ArrayList<>();
        dbRules.add(rule(from(stack, Components.PROXY, hostNetwork, proxyNodes),
                ports(DatabaseCluster.MYSQL_PORT, DatabaseCluster.AGENT_PORT)));
        dbRules.add(rule(List.of(pods(stack, Components.DATABASE)), ports(GALERA_PORTS)));
        // The backup Job's pod (galera-agent backup) logs in to the node it backs up, as the backup user.
        dbRules.add(rule(List.of(pods(stack, Components.BACKUP)), ports(DatabaseCluster.MYSQL_PORT)));
        // The binary log archiver (point-in-time recovery) reads the binary log as a replica, over SQL.
        dbRules.add(rule(List.of(pods(stack, Components.BINLOG_ARCHIVER)), ports(DatabaseCluster.MYSQL_PORT)));
        dbRules.add(rule(List.of(operator(operatorNamespace)), ports(DatabaseCluster.AGENT_PORT)));
        // Metrics: the in-cluster scrapers (Scrape) read the agent's /metrics.
        dbRules.add(rule(List.of(scraper()), ports(DatabaseCluster.AGENT_PORT)));
        List<NetworkPolicy> policies = new ArrayList<>();
        policies.add(policy(stack, Components.DATABASE, dbRules));
        policies.add(policy(stack, Components.PROXY,
                List.of(rule(List.of(pods(stack, Components.API)), ports(DatabaseProxy.PORT)),
                        rule(List.of(scraper()), ports(HaproxyConfigRenderer.METRICS_PORT)),
                        // The operator reads where each proxy sends the sessions (FollowProxies) from the same port,
                        // and the node-loss guard (NodeLossGuard) connects to it.
                        rule(List.of(operator(operatorNamespace)), ports(HaproxyConfigRenderer.METRICS_PORT)))));
        // message-api serves /q/metrics on its only port: the scrapers reach that port (nginx proxies /api/ only).
        policies.add(policy(stack, Components.API,
                List.of(rule(from(stack, Components.FRONTEND, hostNetwork, frontendNodes), ports(MessageApi.PORT)),
                        rule(List.of(scraper()), ports(MessageApi.PORT)),
                        // The node-loss guard's TCP connects (NodeLossGuard): a handshake, nothing sent.
                        rule(List.of(operator(operatorNamespace)), ports(MessageApi.PORT)))));
        // Only the operator reads the archiver's status (it serves nothing else).
        policies.add(policy(stack, Components.BINLOG_ARCHIVER,
                List.of(rule(List.of(operator(operatorNamespace)), ports(DatabaseCluster.ARCHIVER_STATUS_PORT)))));
        return policies;
    }

    private static NetworkPolicyPeer operator(String operatorNamespace) {
        return new NetworkPolicyPeerBuilder()
                .withNewNamespaceSelector().addToMatchLabels("kubernetes.io/metadata.name", operatorNamespace)
                .endNamespaceSelector()
                .withNewPodSelector().addToMatchLabels(Labels.NAME, "messagestack-operator").endPodSelector()
                .build();
    }

    private static List<NetworkPolicyPeer> from(Stack stack, String component, boolean hostNetwork,
                                                List<String> nodes) {
        // With no node known yet, fall back to the pod selector: an empty "from" would allow everyone.
        if (!hostNetwork || nodes.isEmpty()) {
            return List.of(pods(stack, component));
        }
        List<NetworkPolicyPeer> peers = new ArrayList<>();
        for (String node : nodes) {
            peers.add(new NetworkPolicyPeerBuilder().withNewIpBlock().withCidr(node + "/32").endIpBlock().build());
        }
        return peers;
    }

    /** The Prometheus pods allowed to scrape: see {@link Scrape}. */
    static NetworkPolicyPeer scraper() {
        return new NetworkPolicyPeerBuilder()
                .withNewNamespaceSelector().addToMatchLabels(Scrape.SCRAPER_NAMESPACE_LABEL, Scrape.SCRAPER_NAMESPACE_VALUE)
                .endNamespaceSelector()
                .withNewPodSelector().addToMatchLabels(Scrape.SCRAPER_POD_LABEL, Scrape.SCRAPER_POD_VALUE).endPodSelector()
                .build();
    }

    private static NetworkPolicyPeer pods(Stack stack, String component) {
        return new NetworkPolicyPeerBuilder().withNewPodSelector()
                .withMatchLabels(Labels.selector(stack.name(), component)).endPodSelector().build();
    }

    private static List<NetworkPolicyPort> ports(int... ports) {
        List<NetworkPolicyPort> list = new ArrayList<>();
        for (int p : ports) {
            list.add(new NetworkPolicyPortBuilder().withProtocol("TCP").withPort(new IntOrString(p)).build());
        }
        return list;
    }

    private static NetworkPolicyIngressRule rule(List<NetworkPolicyPeer> from, List<NetworkPolicyPort> ports) {
        return new NetworkPolicyIngressRuleBuilder().withFrom(from).withPorts(ports).build();
    }

    private static NetworkPolicy policy(Stack stack, String component, List<NetworkPolicyIngressRule> rules) {
        return new NetworkPolicyBuilder()
                .withNewMetadata().withName(stack.names().networkPolicy(component) + "-ingress")
                .withNamespace(stack.namespace()).withLabels(Labels.of(stack.name(), Components.NETWORK)).endMetadata()
                .withNewSpec()
                .withNewPodSelector().withMatchLabels(Labels.selector(stack.name(), component)).endPodSelector()
                .withPolicyTypes("Ingress")
                .withIngress(rules)
                .endSpec()
                .build();
    }
}
