package io.messagestack.operator.crd;

/** status.monitoring: how the stack's metrics are discovered, decided at the last reconcile. */
public class MonitoringStatus {
    /** Disabled, ScrapeAnnotations or PrometheusOperator. */
    public String mode;
    /** Why that mode (MonitoringDisabled, PrometheusOperatorNotInstalled, PrometheusOperatorFound, ...). */
    public String reason;
    public String message;
    /** NAMESPACE/NAME of the PodMonitor the operator applied, in the PrometheusOperator mode. */
    public String podMonitor;
    /** NAMESPACE/NAME of the PrometheusRule with the alert rules (shared by every stack), in that mode. */
    public String prometheusRule;
}
