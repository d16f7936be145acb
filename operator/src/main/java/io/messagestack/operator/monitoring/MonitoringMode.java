package io.messagestack.operator.monitoring;

/**
 * How a stack's metrics are discovered (status.monitoring.mode). Decided at each reconcile from spec.monitoring and
 * from whether the API server serves the Prometheus Operator's kinds ({@link MonitoringDecision}).
 */
public enum MonitoringMode {
    /** spec.monitoring.enabled false: no annotations, no PodMonitor. */
    DISABLED("Disabled"),
    /** The prometheus.io/scrape, port and path annotations on the pod templates (a kubernetes-pods scrape job). */
    SCRAPE_ANNOTATIONS("ScrapeAnnotations"),
    /** A PodMonitor for the stack and the alert rules as a PrometheusRule; no annotations (no double scrape). */
    PROMETHEUS_OPERATOR("PrometheusOperator");

    public final String text;

    MonitoringMode(String text) {
        this.text = text;
    }

    /** The mode a status recorded; null when none or unknown. */
    public static MonitoringMode of(String text) {
        for (MonitoringMode m : values()) {
            if (m.text.equals(text)) {
                return m;
            }
        }
        return null;
    }
}
