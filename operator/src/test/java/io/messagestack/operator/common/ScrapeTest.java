package io.messagestack.operator.common;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.messagestack.operator.crd.MessageStackSpec;
import io.messagestack.operator.api.MessageApi;
import io.messagestack.operator.database.DatabaseCluster;
import io.messagestack.operator.frontend.Frontend;
import io.messagestack.operator.proxy.DatabaseProxy;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every tier's pod template tells a Prometheus where its metrics are, on a port its container declares. */
class ScrapeTest {
    record Tier(String name, PodTemplateSpec template, String container, String scrape, Integer port, String path) {
    }

    private static List<Tier> tiers() {
        MessageStackSpec spec = new MessageStackSpec();
        Stack stack = TestStacks.stack(spec);
        return List.of(
                new Tier("database", new DatabaseCluster(stack, "#!/bin/bash\n", 3).statefulSet().getSpec().getTemplate(),
                        "agent", "true", 9200, "/metrics"),
                new Tier("proxy", new DatabaseProxy(stack).deployment().getSpec().getTemplate(),
                        "haproxy", "true", 8405, "/metrics"),
                new Tier("api", new MessageApi(stack).deployment().getSpec().getTemplate(),
                        "message-api", "true", 8080, "/q/metrics"),
                // nginx serves its exporter sidecar's text on its metrics port (the exporter has no TCP port).
                new Tier("frontend", new Frontend(stack, Map.of("index.html", "<html></html>")).deployment().getSpec()
                        .getTemplate(), "nginx", "true", 8081, "/metrics"));
    }

    @Test
    void podTemplatesCarryTheScrapeAnnotationsOfADeclaredPort() {
        for (Tier t : tiers()) {
            Map<String, String> a = t.template().getMetadata().getAnnotations();
            assertEquals(t.scrape(), a.get(Scrape.SCRAPE), t.name() + ": " + a);
            if (t.scrape() != null) {
                assertEquals(String.valueOf(t.port()), a.get(Scrape.PORT), t.name());
                assertEquals(t.path(), a.get(Scrape.PATH), t.name());
                // A second path on the same port: nginx's request metrics (mtail) only.
                assertEquals(t.name().equals("frontend") ? "/metrics/requests" : null, a.get(Scrape.EXTRA_PATH),
                        t.name());
            }
            Container c = t.template().getSpec().getContainers().stream().filter(x -> x.getName().equals(t.container()))
                    .findFirst().orElseThrow(() -> new AssertionError(t.name() + ": no container " + t.container()));
            assertTrue(c.getPorts().stream().anyMatch(p -> p.getContainerPort().equals(t.port())),
                    t.name() + ": container " + t.container() + " declares port " + t.port() + ": " + c.getPorts());
        }
    }

    @Test
    void withoutAnnotationsRemovesOnlyTheScrapeAnnotations() {
        for (Tier t : tiers()) {
            var deployment = t.name().equals("database") ? null
                    : t.name().equals("proxy") ? new DatabaseProxy(TestStacks.stack()).deployment()
                    : t.name().equals("api") ? new MessageApi(TestStacks.stack()).deployment()
                    : new Frontend(TestStacks.stack(), Map.of("index.html", "<html></html>")).deployment();
            var template = deployment == null
                    ? Scrape.withoutAnnotations(new DatabaseCluster(TestStacks.stack(), "#!/bin/bash\n", 3).statefulSet())
                    .getSpec().getTemplate()
                    : Scrape.withoutAnnotations(deployment).getSpec().getTemplate();
            Map<String, String> before = t.template().getMetadata().getAnnotations();
            Map<String, String> after = template.getMetadata().getAnnotations();
            for (String key : before.keySet()) {
                assertEquals(key.startsWith("prometheus.io/") ? null : before.get(key), after.get(key),
                        t.name() + " " + key);
            }
        }
        var service = new DatabaseProxy(TestStacks.stack()).service();
        assertEquals(service, Scrape.withoutAnnotations(service), "other kinds are left alone");
    }

    @Test
    void noServiceExposesAMetricsPort() {
        Stack stack = TestStacks.stack();
        var services = List.of(new DatabaseProxy(stack).service(),
                new Frontend(stack, Map.of("index.html", "x")).service(),
                new DatabaseCluster(stack, "#!/bin/bash\n", 3).clientService());
        for (var s : services) {
            for (var p : s.getSpec().getPorts()) {
                assertFalse(List.of(8405, 8081, 9200).contains(p.getPort()),
                        s.getMetadata().getName() + " exposes metrics port " + p.getPort());
            }
        }
    }
}
