package io.messagestack.operator.proxy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.messagestack.operator.common.Affinities;
import io.messagestack.operator.common.Components;
import io.messagestack.operator.common.ConfigHash;
import io.messagestack.operator.common.Disruption;
import io.messagestack.operator.common.Images;
import io.messagestack.operator.common.Labels;
import io.messagestack.operator.common.Names;
import io.messagestack.operator.common.Scrape;
import io.messagestack.operator.common.Stack;
import io.messagestack.operator.crd.ProxySpec;
import io.messagestack.operator.database.DatabaseCluster;
import io.messagestack.operator.security.ContainerSecurity;
import io.messagestack.operator.vip.Keepalived;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** HAProxy in front of the Galera cluster: ConfigMap, Deployment, Service, PDB. */
public final class DatabaseProxy {
    public static final int PORT = 3306;
    public static final String CONFIG_KEY = "haproxy.cfg";
    public static final String CONFIG_DIR = "/etc/messagestack/haproxy";

    private final Stack stack;
    private final ProxySpec spec;
    private final Names names;
    /** Ordinal of the database node HAProxy sends the writes to (the one server without {@code backup}). */
    private final int writer;

    /** A stack whose writer is database node 0 (no switchover). */
    public DatabaseProxy(Stack stack) {
        this(stack, 0);
    }

    public DatabaseProxy(Stack stack, int writer) {
        this.stack = stack;
        this.spec = stack.spec().proxy;
        this.names = stack.names();
        this.writer = writer;
    }

    private Map<String, String> labels() {
        return Labels.of(stack.name(), Components.PROXY);
    }

    /**
     * haproxy.cfg names this many database pods at least, whether they exist or not. A server whose pod does not
     * exist has no DNS record and stays in maintenance until the pod appears (init-addr none, then the resolvers),
     * so scaling the database within this size leaves the config, and so the proxy pods, untouched: a proxy roll
     * during a scale would cut every pooled connection.
     */
    static final int MIN_SERVER_SLOTS = 9;

    public ConfigMap config() {
        List<String> hosts = new ArrayList<>();
        int slots = Math.max(Math.max(stack.spec().database.replicas, MIN_SERVER_SLOTS), writer + 1);
        for (int i = 0; i < slots; i++) {
            hosts.add(names.dbPodHost(i, stack.namespace(), stack.clusterDomain()));
        }
        String cfg = HaproxyConfigRenderer.render(hosts, DatabaseCluster.MYSQL_PORT, DatabaseCluster.AGENT_PORT,
                writer);
        return new ConfigMapBuilder()
                .withNewMetadata().withName(names.proxyConfig()).withNamespace(stack.namespace()).withLabels(labels())
                .endMetadata()
                .withData(Map.of(CONFIG_KEY, cfg))
                .build();
    }

    public Deployment deployment() {
        Deployment deployment = new DeploymentBuilder()
                .withNewMetadata().withName(names.proxy()).withNamespace(stack.namespace()).withLabels(labels())
                .endMetadata()
                .withNewSpec()
                .withReplicas(spec.replicas)
                .withNewSelector().withMatchLabels(Labels.selector(stack.name(), Components.PROXY)).endSelector()
                .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate()
                .withMaxUnavailable(new IntOrString(0)).withMaxSurge(new IntOrString(1)).endRollingUpdate()
                .endStrategy()
                .withNewTemplate()
                .withNewMetadata().withLabels(labels())
                .addToAnnotations(ConfigHash.ANNOTATION, ConfigHash.of(config().getData()))
                .addToAnnotations(Scrape.annotations(HaproxyConfigRenderer.METRICS_PORT,
                        HaproxyConfigRenderer.METRICS_PATH))
                .endMetadata()
                .withNewSpec()
                .withAffinity(Affinities.spread(stack.spec().placement.antiAffinity, stack.name(), Components.PROXY))
                .withTerminationGracePeriodSeconds(10L)
                .withSecurityContext(ContainerSecurity.pod(null))
                .addNewContainer()
                .withName("haproxy")
                .withImage(stack.images().resolve(spec.image, Images.HAPROXY))
                .withSecurityContext(ContainerSecurity.readOnlyRoot(ContainerSecurity.restricted(
                        ContainerSecurity.HAPROXY_UID, ContainerSecurity.HAPROXY_UID)))
                .withCommand("haproxy", "-W", "-db", "-f", CONFIG_DIR + "/" + CONFIG_KEY)
                // Keep serving until kube-proxy has stopped sending new connections to this deleted pod; the stop
                // signal then closes the pooled connections, which the API replaces through the other proxy pods.
                .withNewLifecycle().withNewPreStop().withNewExec().withCommand("/bin/sh", "-c", "sleep 3")
                .endExec().endPreStop().endLifecycle()
                .addNewPort().withName("mysql").withContainerPort(PORT).endPort()
                .addNewPort().withName("health").withContainerPort(HaproxyConfigRenderer.HEALTH_PORT).endPort()
                .addNewPort().withName("metrics").withContainerPort(HaproxyConfigRenderer.METRICS_PORT).endPort()
                .withResources(DatabaseCluster.resourcesOrDefault(spec.resources, "50m", "64Mi"))
                .withNewReadinessProbe()
                .withNewHttpGet().withPath("/healthz").withPort(new IntOrString(HaproxyConfigRenderer.HEALTH_PORT))
                .endHttpGet().withPeriodSeconds(3).withFailureThreshold(2)
                .endReadinessProbe()
                .withNewLivenessProbe()
                .withNewTcpSocket().withPort(new IntOrString(HaproxyConfigRenderer.HEALTH_PORT)).endTcpSocket()
                .withPeriodSeconds(10).withFailureThreshold(3)
                .endLivenessProbe()
                .addNewVolumeMount().withName("config").withMountPath(CONFIG_DIR).endVolumeMount()
                .addToVolumeMounts(ContainerSecurity.scratchMount("tmp", "/tmp"))
                .endContainer()
                .addNewVolume().withName("config").withNewConfigMap().withName(names.proxyConfig()).endConfigMap()
                .endVolume()
                .addToVolumes(ContainerSecurity.scratchVolume("tmp", "16Mi"))
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
        if (stack.spec().vip.enabled) {
            Keepalived.attach(deployment.getSpec().getTemplate(), stack, Keepalived.Role.PROXY);
        }
        return deployment;
    }

    public Service service() {
        return new ServiceBuilder()
                .withNewMetadata().withName(names.proxy()).withNamespace(stack.namespace()).withLabels(labels())
                .endMetadata()
                .withNewSpec()
                .withSelector(Labels.selector(stack.name(), Components.PROXY))
                .addNewPort().withName("mysql").withPort(PORT).withTargetPort(new IntOrString(PORT)).endPort()
                .endSpec()
                .build();
    }

    public PodDisruptionBudget disruptionBudget() {
        return Disruption.budget(names.proxy(), stack.namespace(), stack.name(), Components.PROXY);
    }
}
