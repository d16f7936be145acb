package io.messagestack.operator.monitoring;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.messagestack.operator.common.Components;
import io.messagestack.operator.common.Labels;
import io.messagestack.operator.common.Stack;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Prometheus Operator's objects for the PrometheusOperator mode, built from the stack (pure):
 * <ul>
 *   <li>a PodMonitor per stack, in its namespace, owned by it: one endpoint per {@link ScrapeTargets} entry, kept to
 *   that component's pods, with the labels the alert rules group by ({@code stack}, {@code component}, {@code node};
 *   the Prometheus Operator adds {@code namespace} and {@code pod}), as the lab's kubernetes-pods job sets them;</li>
 *   <li>one PrometheusRule for every stack, in the operator's namespace: the groups of the shipped rules file
 *   (monitoring/messagestack-rules.yaml, the one definition). One, not one per stack: the rules aggregate by
 *   (namespace, stack) over every stack, so a copy per stack would record each series once per copy.</li>
 * </ul>
 */
public final class PrometheusOperatorObjects {
    public static final String GROUP = "monitoring.coreos.com";
    public static final String VERSION = "v1";
    public static final String API_VERSION = GROUP + "/" + VERSION;
    public static final String POD_MONITORS = "podmonitors";
    public static final String PROMETHEUS_RULES = "prometheusrules";
    public static final ResourceDefinitionContext POD_MONITOR = new ResourceDefinitionContext.Builder()
            .withGroup(GROUP).withVersion(VERSION).withKind("PodMonitor").withPlural(POD_MONITORS).withNamespaced(true)
            .build();
    public static final ResourceDefinitionContext PROMETHEUS_RULE = new ResourceDefinitionContext.Builder()
            .withGroup(GROUP).withVersion(VERSION).withKind("PrometheusRule").withPlural(PROMETHEUS_RULES)
            .withNamespaced(true).build();
    /** The rules file on the operator's classpath (operator/src/main/resources). */
    public static final String RULES_RESOURCE = "monitoring/messagestack-rules.yaml";
    public static final String RULE_NAME = "messagestack-alert-rules";
    /** The job label of a second-path endpoint, the same as the lab's scrape job for it (prometheus.yml). */
    public static final String EXTRA_PATH_JOB = "kubernetes-pods-extra-path";

    private PrometheusOperatorObjects() {
    }

    public static GenericKubernetesResource podMonitor(Stack stack) {
        List<Map<String, Object>> endpoints = new ArrayList<>();
        for (ScrapeTargets.Target t : ScrapeTargets.ALL) {
            Map<String, Object> endpoint = new LinkedHashMap<>();
            endpoint.put("port", t.portName());
            endpoint.put("path", t.path());
            endpoint.put("scheme", "http");
            List<Map<String, Object>> relabelings = new ArrayList<>(List.of(
                    // Another component's pod may have a port of the same name (nginx's "http"): keep only this one's.
                    Map.of("sourceLabels", List.of(meta(Labels.COMPONENT)), "regex", t.component(), "action", "keep"),
                    Map.of("sourceLabels", List.of(meta(Labels.INSTANCE)), "targetLabel", "stack", "action", "replace"),
                    Map.of("sourceLabels", List.of(meta(Labels.COMPONENT)), "targetLabel", "component",
                            "action", "replace"),
                    Map.of("sourceLabels", List.of("__meta_kubernetes_pod_node_name"), "targetLabel", "node",
                            "action", "replace")));
            if (t.extraPath()) {
                // Same pod, same port, so the same instance as the first path's target: a job of its own keeps the
                // two exporters' process and runtime series (go_*, process_*) apart, as the lab's second job does.
                relabelings.add(Map.of("targetLabel", "job", "replacement", EXTRA_PATH_JOB, "action", "replace"));
            }
            endpoint.put("relabelings", relabelings);
            endpoints.add(endpoint);
        }
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("selector", Map.of("matchLabels", Map.of(Labels.INSTANCE, stack.name(),
                Labels.MANAGED_BY, Labels.OPERATOR)));
        spec.put("podMetricsEndpoints", endpoints);
        // The user's labels (spec.monitoring.labels: a Prometheus' podMonitorSelector), then the operator's, which the
        // spec may not set (CRD rule and SpecValidation) and which win here all the same.
        Map<String, String> labels = new LinkedHashMap<>();
        if (stack.spec().monitoring != null && stack.spec().monitoring.labels != null) {
            labels.putAll(stack.spec().monitoring.labels);
        }
        labels.putAll(Labels.of(stack.name(), Components.MONITORING));
        return new GenericKubernetesResourceBuilder().withApiVersion(API_VERSION).withKind("PodMonitor")
                .withNewMetadata().withName(stack.names().podMonitor()).withNamespace(stack.namespace())
                .withLabels(labels).endMetadata()
                .addToAdditionalProperties("spec", spec).build();
    }

    /** The PrometheusRule with the rules file's groups, as they are. */
    public static GenericKubernetesResource prometheusRule(String namespace, String rulesYaml) {
        Map<String, Object> rules = parse(rulesYaml);
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(Labels.NAME, Labels.OPERATOR);
        labels.put(Labels.PART_OF, "messagestack");
        labels.put(Labels.MANAGED_BY, Labels.OPERATOR);
        return new GenericKubernetesResourceBuilder().withApiVersion(API_VERSION).withKind("PrometheusRule")
                .withNewMetadata().withName(RULE_NAME).withNamespace(namespace).withLabels(labels).endMetadata()
                .addToAdditionalProperties("spec", Map.of("groups", rules.get("groups"))).build();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> parse(String rulesYaml) {
        Object parsed = Serialization.unmarshal(rulesYaml, Map.class);
        if (!(parsed instanceof Map<?, ?> map) || !(map.get("groups") instanceof List<?> groups) || groups.isEmpty()) {
            throw new IllegalArgumentException(RULES_RESOURCE + " has no rule groups");
        }
        return (Map<String, Object>) map;
    }

    /** kubernetes_sd's meta label of a pod label (non-alphanumerics become '_'). */
    static String meta(String podLabel) {
        return "__meta_kubernetes_pod_label_" + podLabel.replaceAll("[^a-zA-Z0-9_]", "_");
    }
}
