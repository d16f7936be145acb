package io.messagestack.operator.monitoring;

import io.messagestack.operator.api.MessageApi;
import io.messagestack.operator.common.Components;
import io.messagestack.operator.common.Scrape;
import io.messagestack.operator.database.DatabaseCluster;
import io.messagestack.operator.frontend.NginxConfigRenderer;
import io.messagestack.operator.proxy.HaproxyConfigRenderer;

import java.util.List;

/**
 * The stack's metrics endpoints as a PodMonitor names them: the component whose pods serve it, the container port's
 * name, its number and path. The same ports and paths as the scrape annotations the pod templates carry
 * (ScrapeTargetsTest checks both against the built templates).
 */
public final class ScrapeTargets {
    /**
     * @param pathAnnotation the annotation that names path on the pod template: {@link Scrape#PATH}, or
     *                       {@link Scrape#EXTRA_PATH} for a second path on the same port
     */
    public record Target(String component, String portName, int port, String path, String pathAnnotation) {
        Target(String component, String portName, int port, String path) {
            this(component, portName, port, path, Scrape.PATH);
        }

        public boolean extraPath() {
            return Scrape.EXTRA_PATH.equals(pathAnnotation);
        }
    }

    public static final List<Target> ALL = List.of(
            new Target(Components.DATABASE, "agent", DatabaseCluster.AGENT_PORT, DatabaseCluster.METRICS_PATH),
            new Target(Components.PROXY, "metrics", HaproxyConfigRenderer.METRICS_PORT, HaproxyConfigRenderer.METRICS_PATH),
            new Target(Components.API, "http", MessageApi.PORT, MessageApi.METRICS_PATH),
            new Target(Components.FRONTEND, "metrics", NginxConfigRenderer.METRICS_PORT, NginxConfigRenderer.METRICS_PATH),
            new Target(Components.FRONTEND, "metrics", NginxConfigRenderer.METRICS_PORT,
                    NginxConfigRenderer.REQUEST_METRICS_PATH, Scrape.EXTRA_PATH));

    private ScrapeTargets() {
    }
}
