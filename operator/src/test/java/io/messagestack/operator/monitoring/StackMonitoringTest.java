package io.messagestack.operator.monitoring;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which API calls one reconcile makes for spec.monitoring (no call when nothing can have changed). */
class StackMonitoringTest {
    @ParameterizedTest(name = "mode={0} discovery={1} previous={2} pmKnown={3} anyEnabled={4} rulePresent={5}")
    @CsvSource({
            // mode, discovery, previous, podMonitorKnown, anyStackEnabled, rulePresent -> applyPM, deletePM, applyRule, deleteRule
            "PrometheusOperator, PRESENT, ,                   false, true,  ,      true,  false, true,  false",
            "PrometheusOperator, PRESENT, PrometheusOperator, true,  true,  true,  true,  false, true,  false",
            // switched off: this stack's PodMonitor goes; the rule goes once no stack has monitoring on
            "Disabled,           PRESENT, PrometheusOperator, true,  false, true,  false, true,  false, true",
            "Disabled,           PRESENT, PrometheusOperator, false, true,  true,  false, true,  false, false",
            // off and nothing of ours there: no DELETE per reconcile
            "Disabled,           PRESENT, Disabled,           false, false, false, false, false, false, false",
            // rule state unknown after a restart and no stack wants it: one DELETE
            "Disabled,           PRESENT, Disabled,           false, false, ,      false, false, false, true",
            // the Prometheus Operator was removed: nothing to call
            "ScrapeAnnotations,  ABSENT,  PrometheusOperator, true,  true,  true,  false, false, false, false",
            "ScrapeAnnotations,  ABSENT,  ScrapeAnnotations,  false, true,  ,      false, false, false, false",
            // discovery failed: no call at all
            "PrometheusOperator, FAILED,  PrometheusOperator, true,  true,  true,  false, false, false, false",
            // annotations mode on a cluster that serves the kinds cannot happen from decide(); a stale PodMonitor goes
            "ScrapeAnnotations,  PRESENT, PrometheusOperator, false, true,  true,  false, true,  false, false",
    })
    void plans(String mode, MonitoringDecision.Discovery discovery, String previous, boolean known, boolean anyEnabled,
               Boolean rulePresent, boolean applyPm, boolean deletePm, boolean applyRule, boolean deleteRule) {
        StackMonitoring.Plan plan = StackMonitoring.plan(MonitoringMode.of(mode), discovery, MonitoringMode.of(previous),
                known, anyEnabled, rulePresent);
        assertEquals(new StackMonitoring.Plan(applyPm, deletePm, applyRule, deleteRule), plan);
    }
}
