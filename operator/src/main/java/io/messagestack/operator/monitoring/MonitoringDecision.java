package io.messagestack.operator.monitoring;

/**
 * Which {@link MonitoringMode} a stack gets. Pure: spec.monitoring.enabled, what API discovery found, and the mode
 * of the last status (kept when discovery failed: a changed mode rolls the pods, a failed discovery call must not).
 */
public final class MonitoringDecision {
    public static final String DISABLED = "MonitoringDisabled";
    public static final String FOUND = "PrometheusOperatorFound";
    public static final String NOT_INSTALLED = "PrometheusOperatorNotInstalled";
    public static final String DISCOVERY_FAILED = "DiscoveryFailed";

    /** What API discovery says about monitoring.coreos.com/v1 podmonitors and prometheusrules. */
    public enum Discovery { PRESENT, ABSENT, FAILED }

    public record Decision(MonitoringMode mode, String reason, String message) {
    }

    private MonitoringDecision() {
    }

    public static Decision decide(boolean enabled, Discovery discovery, MonitoringMode previous) {
        if (!enabled) {
            return new Decision(MonitoringMode.DISABLED, DISABLED, "spec.monitoring.enabled is false: no scrape"
                    + " annotations, no PodMonitor; the metrics endpoints still answer inside the cluster");
        }
        return switch (discovery) {
            case PRESENT -> new Decision(MonitoringMode.PROMETHEUS_OPERATOR, FOUND, "the API server serves "
                    + PrometheusOperatorObjects.API_VERSION + " podmonitors and prometheusrules: a PodMonitor for the"
                    + " stack and the alert rules as a PrometheusRule, no scrape annotations");
            case ABSENT -> new Decision(MonitoringMode.SCRAPE_ANNOTATIONS, NOT_INSTALLED, "the API server serves no "
                    + PrometheusOperatorObjects.API_VERSION + " podmonitors and prometheusrules (Prometheus Operator"
                    + " not installed): the pods carry the prometheus.io/scrape annotations; load the alert rules"
                    + " from the shipped rules file");
            case FAILED -> previous != null && previous != MonitoringMode.DISABLED
                    ? new Decision(previous, DISCOVERY_FAILED, "API discovery of " + PrometheusOperatorObjects.API_VERSION
                    + " failed; keeping the mode " + previous.text + " until it answers")
                    : new Decision(MonitoringMode.SCRAPE_ANNOTATIONS, DISCOVERY_FAILED, "API discovery of "
                    + PrometheusOperatorObjects.API_VERSION + " failed: the pods carry the prometheus.io/scrape"
                    + " annotations until it answers");
        };
    }
}
