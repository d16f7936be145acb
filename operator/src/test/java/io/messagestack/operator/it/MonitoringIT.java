package io.messagestack.operator.it;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.Operator;
import io.messagestack.operator.common.ClasspathFiles;
import io.messagestack.operator.common.Scrape;
import io.messagestack.operator.crd.MessageStack;
import io.messagestack.operator.crd.MonitoringStatus;
import io.messagestack.operator.monitoring.PrometheusOperatorObjects;
import io.messagestack.operator.reconcile.MessageStackReconciler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * spec.monitoring against a real kube-apiserver: first without the Prometheus Operator's CRDs (scrape annotations),
 * then with them (minimal stand-ins with the real group, version, kinds and plurals:
 * src/test/resources/monitoring/prometheus-operator-crds-minimal.yaml), then switched off and on again.
 */
class MonitoringIT {
    private static final String OPERATOR_NS = "messagestack-system";
    /** Discovery is cached for 15 s and a stack that is not Ready is reconciled every 10 s. */
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static LocalApiServer apiServer;
    private static KubernetesClient client;
    private static Operator operator;

    @BeforeAll
    static void startOperator() throws Exception {
        apiServer = LocalApiServer.start();
        client = apiServer.client();
        KubeApi.installCrd(client);
        KubeApi.namespace(client, OPERATOR_NS);
        operator = new Operator(o -> o.withKubernetesClient(client).withCloseClientOnStop(false));
        operator.register(new MessageStackReconciler());
        operator.start();
    }

    @AfterAll
    static void stopOperator() {
        if (operator != null) {
            operator.stop();
        }
        if (apiServer != null) {
            apiServer.close();
        }
    }

    private static void createStack(String ns, String name) {
        KubeApi.namespace(client, ns);
        client.resource("apiVersion: messagestack.io/v1alpha1\nkind: MessageStack\nmetadata:\n  name: " + name + "\n")
                .inNamespace(ns).create();
    }

    private static MonitoringStatus awaitMode(String ns, String name, String mode) {
        return KubeApi.await(name + " monitoring mode " + mode, WAIT, () -> {
            MessageStack ms = client.resources(MessageStack.class).inNamespace(ns).withName(name).get();
            MonitoringStatus m = ms == null || ms.getStatus() == null ? null : ms.getStatus().monitoring;
            return m != null && mode.equals(m.mode) ? m : null;
        });
    }

    private static void setEnabled(String ns, String name, boolean enabled) {
        client.resources(MessageStack.class).inNamespace(ns).withName(name).patch(
                io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                        io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                "{\"spec\":{\"monitoring\":{\"enabled\":" + enabled + "}}}");
    }

    private static Map<String, String> dbTemplateAnnotations(String ns, String name) {
        StatefulSet sts = client.apps().statefulSets().inNamespace(ns).withName(name + "-db").get();
        return sts == null ? null : sts.getSpec().getTemplate().getMetadata().getAnnotations();
    }

    private static boolean proxyAnnotated(String ns, String name) {
        Deployment d = client.apps().deployments().inNamespace(ns).withName(name + "-proxy").get();
        return d != null && d.getSpec().getTemplate().getMetadata().getAnnotations().containsKey(Scrape.SCRAPE);
    }

    private static GenericKubernetesResource podMonitor(String ns, String name) {
        return client.genericKubernetesResources(PrometheusOperatorObjects.POD_MONITOR).inNamespace(ns)
                .withName(name + "-metrics").get();
    }

    private static GenericKubernetesResource rule() {
        return client.genericKubernetesResources(PrometheusOperatorObjects.PROMETHEUS_RULE).inNamespace(OPERATOR_NS)
                .withName(PrometheusOperatorObjects.RULE_NAME).get();
    }

    private static List<CustomResourceDefinition> prometheusOperatorCrds() throws Exception {
        try (InputStream in = MonitoringIT.class.getResourceAsStream("/monitoring/prometheus-operator-crds-minimal.yaml")) {
            return client.load(in).items().stream().map(CustomResourceDefinition.class::cast).toList();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void annotationsWithoutThePrometheusOperatorThenAPodMonitorAndTheRulesWithIt() throws Exception {
        // 1. No Prometheus Operator: the pods carry the scrape annotations, the status says so.
        createStack("mon-a", "shop");
        MonitoringStatus m = awaitMode("mon-a", "shop", "ScrapeAnnotations");
        assertEquals("PrometheusOperatorNotInstalled", m.reason);
        assertNull(m.podMonitor);
        KubeApi.await("database pods annotated", WAIT, () -> {
            Map<String, String> a = dbTemplateAnnotations("mon-a", "shop");
            return a != null && "true".equals(a.get(Scrape.SCRAPE)) && "9200".equals(a.get(Scrape.PORT));
        });
        assertTrue(proxyAnnotated("mon-a", "shop"));

        // 2. The CRDs are installed: a PodMonitor per stack, the rules once, no annotations (one scrape per target).
        for (CustomResourceDefinition crd : prometheusOperatorCrds()) {
            client.resource(crd).serverSideApply();
            client.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
                    .waitUntilCondition(c -> c.getStatus() != null && c.getStatus().getConditions() != null
                            && c.getStatus().getConditions().stream().anyMatch(x -> "Established".equals(x.getType())
                            && "True".equals(x.getStatus())), 30, java.util.concurrent.TimeUnit.SECONDS);
        }
        m = awaitMode("mon-a", "shop", "PrometheusOperator");
        assertEquals("PrometheusOperatorFound", m.reason, m.message);
        assertEquals("mon-a/shop-metrics", m.podMonitor);
        assertEquals(OPERATOR_NS + "/messagestack-alert-rules", m.prometheusRule);
        GenericKubernetesResource pm = podMonitor("mon-a", "shop");
        MessageStack shop = client.resources(MessageStack.class).inNamespace("mon-a").withName("shop").get();
        assertEquals(shop.getMetadata().getUid(), pm.getMetadata().getOwnerReferences().get(0).getUid(),
                "the PodMonitor goes with its stack");
        Map<String, Object> spec = (Map<String, Object>) pm.getAdditionalProperties().get("spec");
        List<Map<String, Object>> endpoints = (List<Map<String, Object>>) spec.get("podMetricsEndpoints");
        // As stored: a field the real schema does not know would have been pruned.
        // database agent, HAProxy, message-api, nginx's exporter, nginx's request metrics (/metrics/requests)
        assertEquals(List.of("agent", "metrics", "http", "metrics", "metrics"),
                endpoints.stream().map(e -> e.get("port")).toList());
        assertEquals("/metrics/requests", endpoints.get(4).get("path"));
        assertEquals(4, ((List<?>) endpoints.get(0).get("relabelings")).size());
        assertEquals(Map.of("app.kubernetes.io/instance", "shop", "app.kubernetes.io/managed-by", "messagestack-operator"),
                ((Map<String, Object>) spec.get("selector")).get("matchLabels"));
        Map<String, Object> file = Serialization.unmarshal(ClasspathFiles.read(PrometheusOperatorObjects.RULES_RESOURCE,
                "test"), Map.class);
        assertEquals(file.get("groups"), ((Map<String, Object>) rule().getAdditionalProperties().get("spec"))
                .get("groups"), "the PrometheusRule holds the shipped rules file, nothing pruned");
        KubeApi.await("scrape annotations removed", WAIT,
                () -> !dbTemplateAnnotations("mon-a", "shop").containsKey(Scrape.SCRAPE) && !proxyAnnotated("mon-a", "shop"));

        // 3. A second stack gets its own PodMonitor and shares the rules.
        createStack("mon-b", "shop");
        awaitMode("mon-b", "shop", "PrometheusOperator");
        KubeApi.await("second PodMonitor", WAIT, () -> podMonitor("mon-b", "shop"));

        // 4. Monitoring off on the first: its PodMonitor goes, the rules stay for the second.
        setEnabled("mon-a", "shop", false);
        m = awaitMode("mon-a", "shop", "Disabled");
        assertEquals("MonitoringDisabled", m.reason);
        KubeApi.await("first PodMonitor deleted", WAIT, () -> podMonitor("mon-a", "shop") == null);
        assertFalse(dbTemplateAnnotations("mon-a", "shop").containsKey(Scrape.SCRAPE));
        assertTrue(rule() != null, "the rules stay while another stack has monitoring on");

        // 5. Off on the second too: no stack needs the rules, they go as well.
        setEnabled("mon-b", "shop", false);
        awaitMode("mon-b", "shop", "Disabled");
        KubeApi.await("second PodMonitor deleted", WAIT, () -> podMonitor("mon-b", "shop") == null);
        KubeApi.await("PrometheusRule deleted", WAIT, () -> rule() == null);

        // 6. The Prometheus Operator is removed and monitoring turned on again: back to the annotations.
        for (CustomResourceDefinition crd : prometheusOperatorCrds()) {
            client.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName()).delete();
        }
        KubeApi.await("Prometheus Operator CRDs gone", WAIT, () -> client.apiextensions().v1().customResourceDefinitions()
                .withName("podmonitors.monitoring.coreos.com").get() == null);
        setEnabled("mon-a", "shop", true);
        m = awaitMode("mon-a", "shop", "ScrapeAnnotations");
        assertEquals("PrometheusOperatorNotInstalled", m.reason);
        KubeApi.await("annotations back", WAIT, () -> "true".equals(dbTemplateAnnotations("mon-a", "shop").get(Scrape.SCRAPE)));
    }
}
