package io.messagestack.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

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
}
