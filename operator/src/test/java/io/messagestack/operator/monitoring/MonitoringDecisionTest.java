package io.messagestack.operator.monitoring;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MonitoringDecisionTest {
    @ParameterizedTest(name = "enabled={0} discovery={1} previous={2} -> {3} ({4})")
    @CsvSource({
            // off wins over everything, also over a failed discovery
            "false, PRESENT, PrometheusOperator, Disabled,           MonitoringDisabled",
            "false, ABSENT,  ,                   Disabled,           MonitoringDisabled",
            "false, FAILED,  ScrapeAnnotations,  Disabled,           MonitoringDisabled",
            // on: the cluster decides
            "true,  PRESENT, ,                   PrometheusOperator, PrometheusOperatorFound",
            "true,  PRESENT, ScrapeAnnotations,  PrometheusOperator, PrometheusOperatorFound",
            "true,  ABSENT,  ,                   ScrapeAnnotations,  PrometheusOperatorNotInstalled",
            "true,  ABSENT,  PrometheusOperator, ScrapeAnnotations,  PrometheusOperatorNotInstalled",
            // discovery failed: keep the last mode (a change rolls the pods), annotations when there is none
            "true,  FAILED,  PrometheusOperator, PrometheusOperator, DiscoveryFailed",
            "true,  FAILED,  ScrapeAnnotations,  ScrapeAnnotations,  DiscoveryFailed",
            "true,  FAILED,  ,                   ScrapeAnnotations,  DiscoveryFailed",
            "true,  FAILED,  Disabled,           ScrapeAnnotations,  DiscoveryFailed",
    })
    void decides(boolean enabled, MonitoringDecision.Discovery discovery, String previous, String mode, String reason) {
        MonitoringDecision.Decision d = MonitoringDecision.decide(enabled, discovery, MonitoringMode.of(previous));
        assertEquals(mode, d.mode().text);
        assertEquals(reason, d.reason());
        assertTrue(d.message() != null && !d.message().isBlank());
    }
}
