package io.messagestack.operator.frontend;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.messagestack.operator.api.MessageApi;
import io.messagestack.operator.common.Affinities;
import io.messagestack.operator.common.ClasspathFiles;
import io.messagestack.operator.common.Components;
import io.messagestack.operator.common.ConfigHash;
import io.messagestack.operator.common.Disruption;
import io.messagestack.operator.common.Images;
import io.messagestack.operator.common.Labels;
import io.messagestack.operator.common.Names;
import io.messagestack.operator.common.Scrape;
import io.messagestack.operator.common.Stack;

import io.messagestack.operator.crd.FrontendServiceSpec;
import io.messagestack.operator.crd.FrontendSpec;
import io.messagestack.operator.database.DatabaseCluster;
import io.messagestack.operator.security.ContainerSecurity;
import io.messagestack.operator.vip.Keepalived;

import java.util.Map;

/** nginx with the page: two ConfigMaps (nginx.conf, the page files), Deployment, Service, PDB. */
public final class Frontend {
    public static final int PORT = 80;
    public static final String CONFIG_KEY = "nginx.conf";
    public static final String CONFIG_DIR = "/etc/messagestack/nginx";
    /** Where the build copies frontend/ in the operator's classpath. */
    public static final String PAGE_RESOURCE_DIR = "frontend";
    /** nginx's start script (see nginx-start.sh): keeps the message-api upstream, quits gracefully on SIGTERM. */
    public static final String START_SCRIPT = "nginx-start.sh";
    /** The sidecar that turns stub_status into Prometheus text: Debian's prometheus-nginx-exporter, in the nginx image. */
    public static final String EXPORTER_CONTAINER = "exporter";
    /** The sidecar that counts requests, upstream tries and retries from nginx's access log: Debian's mtail. */
    public static final String REQUEST_METRICS_CONTAINER = "request-metrics";
    /** The mtail program (operator/src/main/resources/nginx), in the config ConfigMap beside nginx.conf. */
    public static final String REQUEST_METRICS_PROGRAM = "nginx-requests.mtail";
    /**
     * The exporter's command, with the sockets in socketDir. A small supervisor: an exporter that exits (it gives up
     * after 60 s without nginx's socket) is started again after 5 s, so the container never crash-loops, because a
     * crash-looping container would make the pod unready and take nginx out of the Service for a metrics problem
     * (an exporter that stays down shows as MessageStackMetricsTargetDown instead). The socket an exporter killed
     * with SIGKILL left behind is removed before each start (it would refuse to listen). SIGTERM stops it at once.
     * When nginx stops answering later, the exporter still answers, with nginx_up 0.
     */
    static String exporterCommand(String socketDir) {
        String exporterSocket = socketDir + "/" + NginxConfigRenderer.EXPORTER_SOCKET;
        return "trap 'kill $p 2>/dev/null; exit 0' TERM INT; while :; do rm -f " + exporterSocket + "; "
                + "prometheus-nginx-exporter"
                + " -nginx.scrape-uri=unix:" + socketDir + "/" + NginxConfigRenderer.STUB_STATUS_SOCKET + ":"
                + NginxConfigRenderer.STUB_STATUS_PATH
                + " -web.listen-address=unix:" + exporterSocket
                + " -web.telemetry-path=" + NginxConfigRenderer.METRICS_PATH
                + " -nginx.timeout=2s -nginx.retries=30 -nginx.retry-interval=2s & p=$!; wait $p; "
                + "echo \"nginx exporter exited ($?); starting it again in 5 s\"; sleep 5; done";
    }

    /**
     * The request-metrics sidecar's command: mtail runs the program on the lines nginx appends to socketDir's request
     * log (from the end of the file at start: a restarted mtail counts nothing twice; it follows the file when
     * nginx-start.sh empties it) and answers Prometheus text on socketDir's mtail socket (no TCP port). The same
     * supervisor as the exporter's: an mtail that exits is started again after 5 s (never a crash loop that would take
     * nginx out of the Service), the socket a killed one left behind is removed first (it would not listen), SIGTERM
     * stops it at once. No prog label (one program) and logs on stderr (the read-only root has no log directory).
     */
    static String requestMetricsCommand(String socketDir, String program) {
        String requestLog = socketDir + "/" + NginxConfigRenderer.REQUEST_LOG;
        String metricsSocket = socketDir + "/" + NginxConfigRenderer.REQUEST_METRICS_SOCKET;
        // The log exists before mtail first starts: mtail reads a file it finds at its start from the end, and
        // one nginx created a moment later could already hold lines that would then never be counted.
        return "trap 'kill $p 2>/dev/null; exit 0' TERM INT; touch " + requestLog + "; while :; do rm -f "
                + metricsSocket + "; "
                + "mtail -progs " + program
                + " -logs " + requestLog
                + " -unix_socket " + metricsSocket
                + " -emit_prog_label=false -logtostderr & p=$!; wait $p; "
                + "echo \"mtail exited ($?); starting it again in 5 s\"; sleep 5; done";
    }

    private final Stack stack;
    private final FrontendSpec spec;
    private final Names names;
    private final Map<String, String> pageFiles;

    public Frontend(Stack stack, Map<String, String> pageFiles) {
        this.stack = stack;
        this.spec = stack.spec().frontend;
        this.names = stack.names();
        this.pageFiles = pageFiles;
    }

    private Map<String, String> labels() {
        return Labels.of(stack.name(), Components.FRONTEND);
    }

    public ConfigMap config() {
        String conf = NginxConfigRenderer.render(PORT);
        String script = ClasspathFiles.read("nginx/" + START_SCRIPT, "operator/src/main/resources/nginx");
        String program = ClasspathFiles.read("nginx/" + REQUEST_METRICS_PROGRAM, "operator/src/main/resources/nginx");
        return new ConfigMapBuilder()
                .withNewMetadata().withName(names.frontendConfig()).withNamespace(stack.namespace())
                .withLabels(labels()).endMetadata()
                .withData(Map.of(CONFIG_KEY, conf, START_SCRIPT, script, REQUEST_METRICS_PROGRAM, program))
                .build();
    }

    public ConfigMap page() {
        return new ConfigMapBuilder()
                .withNewMetadata().withName(names.frontendPage()).withNamespace(stack.namespace())
                .withLabels(labels()).endMetadata()
                .withData(pageFiles)
                .build();
    }

    public Deployment deployment() {
        String hash = ConfigHash.of(config().getData(), page().getData());
        Deployment deployment = new DeploymentBuilder()
                .withNewMetadata().withName(names.frontend()).withNamespace(stack.namespace()).withLabels(labels())
                .endMetadata()
                .withNewSpec()
                .withReplicas(spec.replicas)
                .withNewSelector().withMatchLabels(Labels.selector(stack.name(), Components.FRONTEND)).endSelector()
                .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate()
                .withMaxUnavailable(new IntOrString(stack.spec().vip.enabled ? 1 : 0))
                .withMaxSurge(new IntOrString(stack.spec().vip.enabled ? 0 : 1)).endRollingUpdate()
                .endStrategy()
                .withNewTemplate()
                .withNewMetadata().withLabels(labels()).addToAnnotations(ConfigHash.ANNOTATION, hash)
                .addToAnnotations(Scrape.annotations(NginxConfigRenderer.METRICS_PORT, NginxConfigRenderer.METRICS_PATH,
                        NginxConfigRenderer.REQUEST_METRICS_PATH))
                .endMetadata()
                .withNewSpec()
                .withAffinity(Affinities.spread(stack.spec().placement.antiAffinity, stack.name(), Components.FRONTEND))
                // preStop pause (3 s) + graceful quit (in-flight requests finish) fit well within the grace period.
                .withTerminationGracePeriodSeconds(20L)
                .withSecurityContext(ContainerSecurity.frontendPod(stack.spec().vip.enabled, UpstreamKeepalive.sysctls()))
                .addNewContainer()
                .withName("nginx")
                .withImage(stack.images().resolve(spec.image, Images.NGINX))
                .withSecurityContext(ContainerSecurity.readOnlyRoot(ContainerSecurity.nginx(stack.spec().vip.enabled)))
                .withCommand("/bin/sh", CONFIG_DIR + "/" + START_SCRIPT)
                .addNewEnv().withName("NGINX_CONF").withValue(CONFIG_DIR + "/" + CONFIG_KEY).endEnv()
                .addNewEnv().withName("API_SERVICE").withValue(stack.serviceHost(names.api()) + ":" + MessageApi.PORT)
                .endEnv()
                .addNewEnv().withName("API_PODS_HOST").withValue(stack.serviceHost(names.apiPods())).endEnv()
                .addNewEnv().withName("API_PORT").withValue(String.valueOf(MessageApi.PORT)).endEnv()
                .addNewEnv().withName("STUB_STATUS_SOCKET")
                .withValue(NginxConfigRenderer.SOCKET_DIR + "/" + NginxConfigRenderer.STUB_STATUS_SOCKET).endEnv()
                .addNewEnv().withName("REQUEST_LOG")
                .withValue(NginxConfigRenderer.SOCKET_DIR + "/" + NginxConfigRenderer.REQUEST_LOG).endEnv()
                .addNewEnv().withName("REQUEST_LOG_MAX_BYTES")
                .withValue(String.valueOf(NginxConfigRenderer.REQUEST_LOG_MAX_BYTES)).endEnv()
                // The Service stops sending new connections to a deleted pod only once kube-proxy has caught up: keep
                // serving meanwhile. Then the stop signal becomes a graceful quit (see nginx-start.sh).
                .withNewLifecycle().withNewPreStop().withNewExec().withCommand("/bin/sh", "-c", "sleep 3")
                .endExec().endPreStop().endLifecycle()
                .addNewPort().withName("http").withContainerPort(PORT).endPort()
                .addNewPort().withName("metrics").withContainerPort(NginxConfigRenderer.METRICS_PORT).endPort()
                .withResources(DatabaseCluster.resourcesOrDefault(spec.resources, "20m", "32Mi"))
                // A new pod gets traffic only once nginx itself answered /healthz (the Service lists Ready pods
                // only). While nginx-start.sh still looks up the API pods, the startup probe's refused connections
                // count as starting, not as failures, and every second instead of every third: the pod joins about
                // 1 s after nginx listens, so a rollout (maxUnavailable 0) hands over to it sooner.
                .withNewStartupProbe()
                .withNewHttpGet().withPath("/healthz").withPort(new IntOrString(PORT)).endHttpGet()
                .withPeriodSeconds(1).withTimeoutSeconds(3).withFailureThreshold(60)
                .endStartupProbe()
                // 3 s, not the default 1 s (as message-api's): on a starved node the kubelet's probe of a serving
                // nginx times out (context deadline exceeded), and an old pod marked unready in a rollout leaves
                // fewer pods serving than maxUnavailable 0 promises.
                .withNewReadinessProbe()
                .withNewHttpGet().withPath("/healthz").withPort(new IntOrString(PORT)).endHttpGet()
                .withPeriodSeconds(3).withTimeoutSeconds(3).withFailureThreshold(2)
                .endReadinessProbe()
                .withNewLivenessProbe()
                .withNewHttpGet().withPath("/healthz").withPort(new IntOrString(PORT)).endHttpGet()
                .withPeriodSeconds(10).withTimeoutSeconds(3).withFailureThreshold(3)
                .endLivenessProbe()
                .addNewVolumeMount().withName("config").withMountPath(CONFIG_DIR).endVolumeMount()
                .addNewVolumeMount().withName("page").withMountPath(NginxConfigRenderer.PAGE_DIR).endVolumeMount()
                // pid, temp files and the upstream list (nginx.conf and nginx-start.sh write only there).
                .addToVolumeMounts(ContainerSecurity.scratchMount("tmp", "/tmp"))
                .addToVolumeMounts(ContainerSecurity.scratchMount(METRICS_SOCKETS, NginxConfigRenderer.SOCKET_DIR))
                .endContainer()
                .addToContainers(exporter())
                .addToContainers(requestMetrics())
                .addToVolumes(ContainerSecurity.scratchVolume("tmp", "64Mi"))
                // The sockets and the request log, which nginx-start.sh keeps below 4 MiB (checked every 2 s: even at
                // 10000 requests/s of ~90 bytes the file stays below 6 MiB).
                .addToVolumes(ContainerSecurity.scratchVolume(METRICS_SOCKETS, "16Mi"))
                .addNewVolume().withName("config").withNewConfigMap().withName(names.frontendConfig()).endConfigMap()
                .endVolume()
                .addNewVolume().withName("page").withNewConfigMap().withName(names.frontendPage()).endConfigMap()
                .endVolume()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
        if (stack.spec().vip.enabled) {
            Keepalived.attach(deployment.getSpec().getTemplate(), stack, Keepalived.Role.FRONTEND);
        }
        return deployment;
    }

    private static final String METRICS_SOCKETS = "metrics-sockets";

    /**
     * The exporter sidecar: the nginx image's prometheus-nginx-exporter, reading stub_status from nginx's socket and
     * answering on its own socket, which nginx's metrics port serves. No TCP port of its own; bounded resources
     * (measured on the lab: docs/observability.md).
     */
    private Container exporter() {
        return new ContainerBuilder()
                .withName(EXPORTER_CONTAINER)
                .withImage(stack.images().resolve(spec.image, Images.NGINX))
                .withSecurityContext(ContainerSecurity.readOnlyRoot(ContainerSecurity.restricted(ContainerSecurity.NGINX_UID)))
                .withCommand("/bin/sh", "-c", exporterCommand(NginxConfigRenderer.SOCKET_DIR))
                .withNewResources()
                .addToRequests("cpu", new Quantity("5m"))
                .addToRequests("memory", new Quantity("16Mi"))
                .addToLimits("cpu", new Quantity("100m"))
                .addToLimits("memory", new Quantity("48Mi"))
                .endResources()
                .addToVolumeMounts(ContainerSecurity.scratchMount(METRICS_SOCKETS, NginxConfigRenderer.SOCKET_DIR))
                .build();
    }

    /**
     * The request-metrics sidecar: the nginx image's mtail on nginx's request log, answering on its own socket,
     * which nginx's metrics port serves at {@link NginxConfigRenderer#REQUEST_METRICS_PATH}. Its program comes from
     * the config ConfigMap (a changed program changes the config hash and rolls the pods). Bounded resources
     * (measured: docs/observability.md).
     */
    private Container requestMetrics() {
        return new ContainerBuilder()
                .withName(REQUEST_METRICS_CONTAINER)
                .withImage(stack.images().resolve(spec.image, Images.NGINX))
                .withSecurityContext(ContainerSecurity.readOnlyRoot(ContainerSecurity.restricted(ContainerSecurity.NGINX_UID)))
                .withCommand("/bin/sh", "-c", requestMetricsCommand(NginxConfigRenderer.SOCKET_DIR,
                        CONFIG_DIR + "/" + REQUEST_METRICS_PROGRAM))
                .withNewResources()
                .addToRequests("cpu", new Quantity("5m"))
                .addToRequests("memory", new Quantity("24Mi"))
                .addToLimits("cpu", new Quantity("200m"))
                .addToLimits("memory", new Quantity("64Mi"))
                .endResources()
                .addNewVolumeMount().withName("config").withMountPath(CONFIG_DIR).withReadOnly(true).endVolumeMount()
                .addToVolumeMounts(ContainerSecurity.scratchMount(METRICS_SOCKETS, NginxConfigRenderer.SOCKET_DIR))
                .build();
    }

    public Service service() {
        FrontendServiceSpec svc = spec.service;
        ServicePortBuilder port = new ServicePortBuilder().withName("http").withPort(PORT)
                .withTargetPort(new IntOrString(PORT));
        if (svc.type != FrontendServiceSpec.Type.ClusterIP && svc.nodePort != null) {
            port.withNodePort(svc.nodePort);
        }
        return new ServiceBuilder()
                .withNewMetadata().withName(names.frontend()).withNamespace(stack.namespace()).withLabels(labels())
                .endMetadata()
                .withNewSpec()
                .withType(svc.type.name())
                .withSelector(Labels.selector(stack.name(), Components.FRONTEND))
                .withPorts(port.build())
                .endSpec()
                .build();
    }

    public PodDisruptionBudget disruptionBudget() {
        return Disruption.budget(names.frontend(), stack.namespace(), stack.name(), Components.FRONTEND);
    }
}
