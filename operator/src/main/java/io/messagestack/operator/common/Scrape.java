package io.messagestack.operator.common;

import java.util.Map;

/**
 * How the stack's metrics are found and who may read them (docs/observability.md). Every endpoint is scraped inside
 * the cluster only, on a port of its own that no Service and no public entry point exposes.
 * <ul>
 *   <li>Discovery: the Prometheus annotations on a pod template ({@code prometheus.io/scrape}, {@code port},
 *   {@code path}), which the usual kubernetes-pods scrape job reads.</li>
 *   <li>Who: pods labelled {@code app.kubernetes.io/name=prometheus} in a namespace labelled
 *   {@code messagestack.io/metrics-scraper=true} (the NetworkPolicies admit exactly these). Labelling a namespace
 *   takes a cluster-level right, so a workload cannot make itself a scraper by labelling its own pod.</li>
 *   <li>Pods on the host network (HAProxy and nginx with the VIP on) are beyond NetworkPolicies: their metrics ports
 *   also answer private source addresses only ({@link #PRIVATE_SOURCES}).</li>
 * </ul>
 */
public final class Scrape {
    public static final String SCRAPE = "prometheus.io/scrape";
    public static final String PORT = "prometheus.io/port";
    public static final String PATH = "prometheus.io/path";
    /**
     * A second path on the same port, for a pod with two exporters behind one port (nginx: stub_status at
     * {@code path}, request metrics here). Not one of the usual annotations: a scrape job of its own reads it (the
     * lab's kubernetes-pods-extra-path in deploy/monitoring/prometheus.yml); the PodMonitor has an endpoint for it.
     */
    public static final String EXTRA_PATH = "prometheus.io/extra-path";

    public static final String SCRAPER_NAMESPACE_LABEL = "messagestack.io/metrics-scraper";
    public static final String SCRAPER_NAMESPACE_VALUE = "true";
    public static final String SCRAPER_POD_LABEL = "app.kubernetes.io/name";
    public static final String SCRAPER_POD_VALUE = "prometheus";

    /** Source ranges a metrics port answers: loopback, RFC 1918, shared (RFC 6598) and unique-local IPv6. */
    public static final String[] PRIVATE_SOURCES = {"127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
            "100.64.0.0/10", "::1", "fc00::/7"};

    private Scrape() {
    }

    /**
     * Removes the scrape annotations from a StatefulSet's or Deployment's pod template (spec.monitoring off, or a
     * PodMonitor does the discovery: one scrape per target, not two). Other objects are returned as they are.
     */
    public static <T extends io.fabric8.kubernetes.api.model.HasMetadata> T withoutAnnotations(T object) {
        io.fabric8.kubernetes.api.model.PodTemplateSpec template = null;
        if (object instanceof io.fabric8.kubernetes.api.model.apps.StatefulSet s && s.getSpec() != null) {
            template = s.getSpec().getTemplate();
        } else if (object instanceof io.fabric8.kubernetes.api.model.apps.Deployment d && d.getSpec() != null) {
            template = d.getSpec().getTemplate();
        }
        if (template != null && template.getMetadata() != null && template.getMetadata().getAnnotations() != null) {
            template.getMetadata().getAnnotations().keySet().removeAll(java.util.List.of(SCRAPE, PORT, PATH, EXTRA_PATH));
        }
        return object;
    }

    /** The annotations that tell a Prometheus to scrape this pod at port and path. */
    public static Map<String, String> annotations(int port, String path) {
        return Map.of(SCRAPE, "true", PORT, String.valueOf(port), PATH, path);
    }

    /** As {@link #annotations(int, String)}, with a second path on the same port ({@link #EXTRA_PATH}). */
    public static Map<String, String> annotations(int port, String path, String extraPath) {
        return Map.of(SCRAPE, "true", PORT, String.valueOf(port), PATH, path, EXTRA_PATH, extraPath);
    }
}
