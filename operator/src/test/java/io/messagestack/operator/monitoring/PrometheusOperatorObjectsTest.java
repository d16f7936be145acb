package io.messagestack.operator.monitoring;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.messagestack.operator.api.MessageApi;
import io.messagestack.operator.common.ClasspathFiles;
import io.messagestack.operator.common.Components;
import io.messagestack.operator.common.Labels;
import io.messagestack.operator.common.Scrape;
import io.messagestack.operator.common.Stack;
import io.messagestack.operator.common.TestStacks;
import io.messagestack.operator.database.DatabaseCluster;
import io.messagestack.operator.frontend.Frontend;
import io.messagestack.operator.proxy.DatabaseProxy;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrometheusOperatorObjectsTest {
    private static final Stack STACK = TestStacks.stack();

    private static Map<String, PodTemplateSpec> templates() {
        return Map.of(
                Components.DATABASE, new DatabaseCluster(STACK, "#!/bin/bash\n", 3).statefulSet().getSpec().getTemplate(),
                Components.PROXY, new DatabaseProxy(STACK).deployment().getSpec().getTemplate(),
                Components.API, new MessageApi(STACK).deployment().getSpec().getTemplate(),
                Components.FRONTEND, new Frontend(STACK, Map.of("index.html", "x")).deployment().getSpec().getTemplate());
    }

    @Test
    void eachScrapeTargetIsTheAnnotatedPortOfItsComponentUnderTheNameItsContainerDeclares() {
        Map<String, PodTemplateSpec> templates = templates();
        for (ScrapeTargets.Target t : ScrapeTargets.ALL) {
            PodTemplateSpec template = templates.get(t.component());
            Map<String, String> a = template.getMetadata().getAnnotations();
            assertEquals(Map.of(Scrape.SCRAPE, "true", Scrape.PORT, String.valueOf(t.port()), t.pathAnnotation(), t.path()),
                    Map.of(Scrape.SCRAPE, a.get(Scrape.SCRAPE), Scrape.PORT, a.get(Scrape.PORT), t.pathAnnotation(),
                            a.get(t.pathAnnotation())), t.component());
            assertEquals(t.component(), template.getMetadata().getLabels().get(Labels.COMPONENT));
            List<Container> declaring = template.getSpec().getContainers().stream().filter(c -> c.getPorts() != null
                    && c.getPorts().stream().anyMatch(p -> t.portName().equals(p.getName())
                    && p.getContainerPort() == t.port())).toList();
            assertEquals(1, declaring.size(), t + " declared by exactly one container");
        }
        // Every annotated template is a target: nothing scraped by annotations is left out of the PodMonitor.
        templates.forEach((component, template) -> {
            if (template.getMetadata().getAnnotations().containsKey(Scrape.SCRAPE)) {
                assertTrue(ScrapeTargets.ALL.stream().anyMatch(t -> t.component().equals(component)), component);
            }
        });
    }

    @Test
    @SuppressWarnings("unchecked")
    void podMonitorSelectsTheStacksPodsAndKeepsEachEndpointToItsComponent() {
        GenericKubernetesResource pm = PrometheusOperatorObjects.podMonitor(STACK);
        assertEquals("monitoring.coreos.com/v1", pm.getApiVersion());
        assertEquals("PodMonitor", pm.getKind());
        assertEquals("shop-metrics", pm.getMetadata().getName());
        assertEquals("prod", pm.getMetadata().getNamespace());
        assertEquals(Labels.OPERATOR, pm.getMetadata().getLabels().get(Labels.MANAGED_BY));
        Map<String, Object> spec = (Map<String, Object>) pm.getAdditionalProperties().get("spec");
        assertEquals(Map.of("matchLabels", Map.of(Labels.INSTANCE, "shop", Labels.MANAGED_BY, Labels.OPERATOR)),
                spec.get("selector"));
        List<Map<String, Object>> endpoints = (List<Map<String, Object>>) spec.get("podMetricsEndpoints");
        assertEquals(List.of("agent", "metrics", "http", "metrics", "metrics"),
                endpoints.stream().map(e -> e.get("port")).toList());
        assertEquals(List.of("/metrics", "/metrics", "/q/metrics", "/metrics", "/metrics/requests"),
                endpoints.stream().map(e -> e.get("path")).toList());
        for (int i = 0; i < endpoints.size(); i++) {
            List<Map<String, Object>> relabel = (List<Map<String, Object>>) endpoints.get(i).get("relabelings");
            assertEquals(Map.of("sourceLabels", List.of("__meta_kubernetes_pod_label_app_kubernetes_io_component"),
                    "regex", ScrapeTargets.ALL.get(i).component(), "action", "keep"), relabel.get(0));
            // The labels the alert rules group by, as the lab's kubernetes-pods job sets them; a second path on the
            // same port (nginx's request metrics) gets the lab's second job's name, so that the two targets' process
            // series (same instance) stay apart.
            boolean extra = ScrapeTargets.ALL.get(i).extraPath();
            assertEquals(extra ? List.of("stack", "component", "node", "job") : List.of("stack", "component", "node"),
                    relabel.subList(1, relabel.size()).stream().map(r -> r.get("targetLabel")).toList());
            if (extra) {
                assertEquals("kubernetes-pods-extra-path", relabel.get(relabel.size() - 1).get("replacement"));
            }
        }
        // Serializes as the API server will receive it.
        String json = Serialization.asJson(pm);
        assertTrue(json.contains("\"podMetricsEndpoints\""), json);
        assertFalse(json.contains("password"), json);
    }

    @Test
    void podMonitorCarriesTheSpecsLabelsForAPrometheusSelectorButKeepsTheOperatorsOwn() {
        io.messagestack.operator.crd.MessageStackSpec spec = new io.messagestack.operator.crd.MessageStackSpec();
        spec.monitoring.labels = new java.util.LinkedHashMap<>(Map.of("release", "kube-prometheus-stack",
                Labels.INSTANCE, "someone-else"));
        Map<String, String> labels = PrometheusOperatorObjects.podMonitor(TestStacks.stack(spec)).getMetadata()
                .getLabels();
        assertEquals("kube-prometheus-stack", labels.get("release"));
        assertEquals("shop", labels.get(Labels.INSTANCE), "the operator's label wins (the spec may not set it anyway)");
        assertEquals(Labels.OPERATOR, labels.get(Labels.MANAGED_BY));
        assertEquals(Labels.of("shop", Components.MONITORING).size() + 1, labels.size());
        // Without labels in the spec: the operator's only.
        assertEquals(Labels.of("shop", Components.MONITORING),
                PrometheusOperatorObjects.podMonitor(STACK).getMetadata().getLabels());
    }

    @Test
    @SuppressWarnings("unchecked")
    void prometheusRuleCarriesTheShippedRulesFileAsItIs() {
        String file = ClasspathFiles.read(PrometheusOperatorObjects.RULES_RESOURCE, "test");
        GenericKubernetesResource rule = PrometheusOperatorObjects.prometheusRule("messagestack-system", file);
        assertEquals("PrometheusRule", rule.getKind());
        assertEquals("messagestack-system", rule.getMetadata().getNamespace());
        assertEquals("messagestack-alert-rules", rule.getMetadata().getName());
        Map<String, Object> spec = (Map<String, Object>) rule.getAdditionalProperties().get("spec");
        Map<String, Object> parsed = Serialization.unmarshal(file, Map.class);
        assertEquals(parsed.get("groups"), spec.get("groups"));
        List<Map<String, Object>> groups = (List<Map<String, Object>>) spec.get("groups");
        List<String> alerts = groups.stream().flatMap(g -> ((List<Map<String, Object>>) g.get("rules")).stream())
                .map(r -> (String) r.get("alert")).filter(a -> a != null).toList();
        assertTrue(alerts.containsAll(List.of("MessageStackGaleraNotPrimary", "MessageStackGaleraClusterSizeBelowDesired",
                "MessageStackNotReady", "MessageStackBackupTooOld")), alerts.toString());
    }

    @Test
    void aRulesFileWithoutGroupsIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> PrometheusOperatorObjects.prometheusRule("ns", "groups: []\n"));
        assertThrows(IllegalArgumentException.class, () -> PrometheusOperatorObjects.prometheusRule("ns", "x: 1\n"));
    }
}
