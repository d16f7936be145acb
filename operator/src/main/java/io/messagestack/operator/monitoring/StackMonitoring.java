package io.messagestack.operator.monitoring;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.messagestack.operator.common.ClasspathFiles;
import io.messagestack.operator.common.Stack;
import io.messagestack.operator.crd.MonitoringStatus;

import java.util.List;

/**
 * spec.monitoring of one stack, after its pods were applied: the PodMonitor and the shared PrometheusRule in the
 * PrometheusOperator mode, their removal otherwise ({@link #plan}, pure), and status.monitoring. A failure here
 * never fails the stack's reconcile: it is status.monitoring.reason ApplyFailed with the API server's message.
 */
public class StackMonitoring {
    public static final String APPLY_FAILED = "ApplyFailed";

    private final PrometheusOperatorApi api;
    private final String operatorNamespace;
    /** Whether the shared PrometheusRule exists as far as this process knows; null until it applied or deleted it. */
    private volatile Boolean rulePresent;

    public StackMonitoring(PrometheusOperatorApi api, String operatorNamespace) {
        this.api = api;
        this.operatorNamespace = operatorNamespace;
    }

    /** The calls one reconcile makes. */
    public record Plan(boolean applyPodMonitor, boolean deletePodMonitor, boolean applyRule, boolean deleteRule) {
    }

    /**
     * @param mode            this stack's mode now
     * @param discovery       whether the cluster serves the Prometheus Operator's kinds
     * @param previous        the mode of the stack's last status (null when none)
     * @param podMonitorKnown this process applied the stack's PodMonitor since it started
     * @param anyStackEnabled some stack the operator knows has spec.monitoring.enabled
     * @param rulePresent     whether the shared PrometheusRule exists as far as this process knows (null: unknown)
     */
    public static Plan plan(MonitoringMode mode, MonitoringDecision.Discovery discovery, MonitoringMode previous,
                            boolean podMonitorKnown, boolean anyStackEnabled, Boolean rulePresent) {
        boolean served = discovery == MonitoringDecision.Discovery.PRESENT;
        boolean operatorMode = mode == MonitoringMode.PROMETHEUS_OPERATOR;
        // Remove only what this stack had (its last status or this process says so): no DELETE per reconcile.
        boolean deletePodMonitor = served && !operatorMode
                && (previous == MonitoringMode.PROMETHEUS_OPERATOR || podMonitorKnown);
        boolean ruleWanted = served && anyStackEnabled;
        boolean deleteRule = served && !ruleWanted && !Boolean.FALSE.equals(rulePresent);
        return new Plan(operatorMode && served, deletePodMonitor, operatorMode && served && ruleWanted, deleteRule);
    }

    public MonitoringStatus reconcile(KubernetesClient client, Stack stack, List<OwnerReference> owner,
                                      MonitoringDecision.Decision decision, MonitoringDecision.Discovery discovery,
                                      MonitoringMode previous, boolean anyStackEnabled) {
        MonitoringStatus status = new MonitoringStatus();
        status.mode = decision.mode().text;
        status.reason = decision.reason();
        status.message = decision.message();
        String pmName = stack.names().podMonitor();
        Plan plan = plan(decision.mode(), discovery, previous,
                api.applied(PrometheusOperatorObjects.POD_MONITOR, stack.namespace(), pmName), anyStackEnabled,
                rulePresent);
        try {
            if (plan.deletePodMonitor()) {
                api.delete(client, PrometheusOperatorObjects.POD_MONITOR, stack.namespace(), pmName);
            }
            if (plan.deleteRule()) {
                api.delete(client, PrometheusOperatorObjects.PROMETHEUS_RULE, operatorNamespace,
                        PrometheusOperatorObjects.RULE_NAME);
                rulePresent = false;
            }
            if (plan.applyPodMonitor()) {
                api.apply(client, PrometheusOperatorObjects.POD_MONITOR, PrometheusOperatorObjects.podMonitor(stack),
                        owner);
                status.podMonitor = stack.namespace() + "/" + pmName;
            }
            if (plan.applyRule()) {
                String rules = ClasspathFiles.read(PrometheusOperatorObjects.RULES_RESOURCE,
                        "operator/src/main/resources/" + PrometheusOperatorObjects.RULES_RESOURCE);
                // Not owned: it serves every stack; removed when no stack has monitoring on (plan).
                api.apply(client, PrometheusOperatorObjects.PROMETHEUS_RULE,
                        PrometheusOperatorObjects.prometheusRule(operatorNamespace, rules), List.of());
                rulePresent = true;
                status.prometheusRule = operatorNamespace + "/" + PrometheusOperatorObjects.RULE_NAME;
            }
        } catch (KubernetesClientException | ClasspathFiles.MissingResourceException | IllegalArgumentException e) {
            status.reason = APPLY_FAILED;
            status.message = decision.mode().text + ": " + describe(e);
        }
        return status;
    }

    private static String describe(RuntimeException e) {
        if (e instanceof KubernetesClientException k && k.getStatus() != null && k.getStatus().getMessage() != null) {
            return k.getStatus().getMessage();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
