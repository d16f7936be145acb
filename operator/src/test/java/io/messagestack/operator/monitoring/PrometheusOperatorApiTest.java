package io.messagestack.operator.monitoring;

import io.fabric8.kubernetes.api.model.APIResourceBuilder;
import io.fabric8.kubernetes.api.model.APIResourceListBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrometheusOperatorApiTest {
    private static io.fabric8.kubernetes.api.model.APIResourceList serving(String... plurals) {
        var b = new APIResourceListBuilder().withGroupVersion("monitoring.coreos.com/v1");
        for (String p : plurals) {
            b.addToResources(new APIResourceBuilder().withName(p).withNamespaced(true).withKind(p).build());
        }
        return b.build();
    }

    @Test
    void bothKindsMustBeServed() {
        assertEquals(MonitoringDecision.Discovery.PRESENT, PrometheusOperatorApi.serves(
                serving("alertmanagers", "podmonitors", "prometheusrules", "servicemonitors")));
        assertEquals(MonitoringDecision.Discovery.ABSENT, PrometheusOperatorApi.serves(serving("servicemonitors",
                "prometheusrules")));
        assertEquals(MonitoringDecision.Discovery.ABSENT, PrometheusOperatorApi.serves(serving("podmonitors")));
        assertEquals(MonitoringDecision.Discovery.ABSENT, PrometheusOperatorApi.serves(null));
    }

    @Test
    void appliesAgainWhenTheContentChangesOrTheLastApplyIsOld() {
        Instant t = Instant.parse("2026-12-06T17:00:00Z");
        var last = new PrometheusOperatorApi.Applied("h1", t);
        assertTrue(PrometheusOperatorApi.due(null, "h1", t));
        assertFalse(PrometheusOperatorApi.due(last, "h1", t.plusSeconds(60)));
        assertTrue(PrometheusOperatorApi.due(last, "h2", t.plusSeconds(1)));
        assertFalse(PrometheusOperatorApi.due(last, "h1", t.plus(PrometheusOperatorApi.REAPPLY).minusSeconds(1)));
        assertTrue(PrometheusOperatorApi.due(last, "h1", t.plus(PrometheusOperatorApi.REAPPLY)));
        assertTrue(PrometheusOperatorApi.REAPPLY.compareTo(Duration.ofMinutes(10)) <= 0);
    }
}
