package io.messagestack.operator.frontend;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
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
        return new ConfigMapBuilder()
                .withNewMetadata().withName(names.frontendConfig()).withNamespace(stack.namespace())
                .withLabels(labels()).endMetadata()
                .withData(Map.of(CONFIG_KEY, conf, START_SCRIPT, script))
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
                .withNewMetadata().withLabels(labels()).addToAnnotations(ConfigHash.ANNOTATION, hash).endMetadata()
                .withNewSpec()
                .withAffinity(Affinities.spread(stack.spec().placement.antiAffinity, stack.name(), Components.FRONTEND))
                // preStop pause (3 s) + graceful quit (in-flight requests finish) fit well within the grace period.
                .withTerminationGracePeriodSeconds(20L)
                .withSecurityContext(ContainerSecurity.frontendPod(stack.spec().vip.enabled))
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
                // The Service stops sending new connections to a deleted pod only once kube-proxy has caught up: keep
                // serving meanwhile. Then the stop signal becomes a graceful quit (see nginx-start.sh).
                .withNewLifecycle().withNewPreStop().withNewExec().withCommand("/bin/sh", "-c", "sleep 3")
                .endExec().endPreStop().endLifecycle()
                .addNewPort().withName("http").withContainerPort(PORT).endPort()
                .addNewPort().withName("status").withContainerPort(NginxConfigRenderer.STATUS_PORT).endPort()
                .withResources(DatabaseCluster.resourcesOrDefault(spec.resources, "20m", "32Mi"))
                .withNewReadinessProbe()
                .withNewHttpGet().withPath("/healthz").withPort(new IntOrString(PORT)).endHttpGet()
                .withPeriodSeconds(3).withFailureThreshold(2)
                .endReadinessProbe()
                .withNewLivenessProbe()
                .withNewHttpGet().withPath("/healthz").withPort(new IntOrString(PORT)).endHttpGet()
                .withPeriodSeconds(10).withFailureThreshold(3)
                .endLivenessProbe()
                .addNewVolumeMount().withName("config").withMountPath(CONFIG_DIR).endVolumeMount()
                .addNewVolumeMount().withName("page").withMountPath(NginxConfigRenderer.PAGE_DIR).endVolumeMount()
                // pid, temp files and the upstream list (nginx.conf and nginx-start.sh write only there).
                .addToVolumeMounts(ContainerSecurity.scratchMount("tmp", "/tmp"))
                .endContainer()
                .addToVolumes(ContainerSecurity.scratchVolume("tmp", "64Mi"))
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
