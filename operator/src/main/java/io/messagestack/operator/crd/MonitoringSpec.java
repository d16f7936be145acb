package io.messagestack.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.messagestack.operator.common.SpecLimits;

import java.util.Map;

/** spec.monitoring: how a Prometheus finds the stack's metrics (docs/observability.md). */
public class MonitoringSpec {
    @JsonPropertyDescription("Make the stack's metrics discoverable: with the Prometheus Operator's CRDs in the cluster"
            + " (monitoring.coreos.com/v1 PodMonitor and PrometheusRule) a PodMonitor for the stack and the shipped"
            + " alert rules as a PrometheusRule; without them the prometheus.io/scrape annotations on the pods."
            + " status.monitoring says which. false removes the PodMonitor (and the PrometheusRule once no stack"
            + " uses it) and the annotations; the metrics endpoints themselves stay. Changing the mode rolls the pods"
            + " once (the annotations are on the pod templates).")
    @Default("true")
    public boolean enabled = true;

    @JsonPropertyDescription("Extra labels of the stack's PodMonitor, for a Prometheus that selects PodMonitors by"
            + " label (kube-prometheus-stack: release: <its release name>). At most "
            + SpecLimits.MONITORING_LABELS_MAX + " Kubernetes labels; the app.kubernetes.io/ labels are the"
            + " operator's. None by default. Changing them changes only the PodMonitor (no pod rolls).")
    @ValidationRule(value = "self.all(k, k.size() <= 317 && k.matches('" + SpecLimits.LABEL_KEY_PATTERN + "'))",
            message = "spec.monitoring.labels keys must be Kubernetes label keys ([prefix/]name, the name at most 63"
                    + " characters of letters, digits, - _ .)")
    @ValidationRule(value = "self.all(k, !k.startsWith('" + SpecLimits.OPERATOR_LABEL_PREFIX + "'))",
            message = "spec.monitoring.labels must not set " + SpecLimits.OPERATOR_LABEL_PREFIX
                    + " labels: the operator sets them and its selectors rely on them")
    @ValidationRule(value = "self.all(k, self[k].matches('" + SpecLimits.LABEL_VALUE_PATTERN + "'))",
            message = "spec.monitoring.labels values must be Kubernetes label values (at most 63 characters of"
                    + " letters, digits, - _ ., beginning and ending with a letter or digit, or empty)")
    @Size(max = SpecLimits.MONITORING_LABELS_MAX)
    public Map<String, @Size(max = SpecLimits.LABEL_VALUE_MAX_LENGTH) String> labels;
}
