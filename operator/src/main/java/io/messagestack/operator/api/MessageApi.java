package io.messagestack.operator.api;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.messagestack.operator.common.Affinities;
import io.messagestack.operator.common.Components;
import io.messagestack.operator.common.Disruption;
import io.messagestack.operator.common.Images;
import io.messagestack.operator.common.Labels;
import io.messagestack.operator.common.Names;
import io.messagestack.operator.common.Scrape;
import io.messagestack.operator.common.Stack;
import io.messagestack.operator.crd.ApiSpec;
import io.messagestack.operator.crd.Engine;
import io.messagestack.operator.database.DatabaseCluster;
import io.messagestack.operator.proxy.DatabaseProxy;
import io.messagestack.operator.security.ContainerSecurity;
import io.messagestack.operator.security.DatabaseCredentials;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The message-api REST service, connected to the database through HAProxy with the least-privileged app user. */
public final class MessageApi {
    public static final int PORT = 8080;
    /** Micrometer's Prometheus endpoint, on the API's own port (nginx proxies only /api/, so never public). */
    public static final String METRICS_PATH = "/q/metrics";

    private final Stack stack;
    private final ApiSpec spec;
    private final Names names;

    public MessageApi(Stack stack) {
        this.stack = stack;
        this.spec = stack.spec().api;
        this.names = stack.names();
    }

    private Map<String, String> labels() {
        return Labels.of(stack.name(), Components.API);
    }

    /**
     * Reads are causal (wsrep_sync_wait=1): when HAProxy moves the writer to another Galera node, that node may not
     * have applied the last commits yet, and a message just created would answer 404 (seen in worker-stop-one).
     * Only the app's sessions wait; the agent's health queries stay immediate.
     */
    public String jdbcUrl() {
        return "jdbc:mysql://" + names.proxy() + ":" + DatabaseProxy.PORT + "/" + DatabaseCredentials.APP_DATABASE
                + "?sessionVariables=wsrep_sync_wait=1";
    }

    public Deployment deployment() {
        List<EnvVar> env = new ArrayList<>();
        env.add(new EnvVarBuilder().withName("QUARKUS_DATASOURCE_JDBC_URL").withValue(jdbcUrl()).build());
        env.add(new EnvVarBuilder().withName("QUARKUS_DATASOURCE_USERNAME").withValue(DatabaseCredentials.APP_USER)
                .build());
        env.add(new EnvVarBuilder().withName("QUARKUS_DATASOURCE_PASSWORD").withNewValueFrom().withNewSecretKeyRef()
                .withName(names.dbCredentials()).withKey(DatabaseCredentials.APP).endSecretKeyRef().endValueFrom()
                .build());
        if (stack.spec().database.engine == Engine.MARIADB_GALERA) {
            // MariaDB reports version 5.5.5-10.x over the MySQL protocol; Hibernate's MySQL dialect would refuse it.
            env.add(new EnvVarBuilder().withName("QUARKUS_HIBERNATE_ORM_DATABASE_VERSION_CHECK_ENABLED")
                    .withValue("false").build());
        }
        return new DeploymentBuilder()
                .withNewMetadata().withName(names.api()).withNamespace(stack.namespace()).withLabels(labels())
                .endMetadata()
                .withNewSpec()
                .withReplicas(spec.replicas)
                .withNewSelector().withMatchLabels(Labels.selector(stack.name(), Components.API)).endSelector()
                .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate()
                .withMaxUnavailable(new IntOrString(0)).withMaxSurge(new IntOrString(1)).endRollingUpdate()
                .endStrategy()
                .withNewTemplate()
                .withNewMetadata().withLabels(labels()).addToAnnotations(Scrape.annotations(PORT, METRICS_PATH))
                .endMetadata()
                .withNewSpec()
                .withAffinity(Affinities.spread(stack.spec().placement.antiAffinity, stack.name(), Components.API))
                // message-api's own graceful shutdown: 3 s delay (endpoint removal) + up to 20 s for requests in flight.
                .withTerminationGracePeriodSeconds(25L)
                .withSecurityContext(ContainerSecurity.pod(null))
                .addNewContainer()
                .withName("message-api")
                .withImage(stack.images().resolve(spec.image, Images.MESSAGE_API))
                .withSecurityContext(ContainerSecurity.readOnlyRoot(
                        ContainerSecurity.restricted(ContainerSecurity.MESSAGE_API_UID)))
                .withEnv(env)
                // The JVM's perf data and Vert.x's file cache: the only writes outside the read-only root.
                .withVolumeMounts(ContainerSecurity.scratchMount("tmp", "/tmp"))
                .addNewPort().withName("http").withContainerPort(PORT).endPort()
                .withResources(DatabaseCluster.resourcesOrDefault(spec.resources, "100m", "192Mi"))
                .withNewStartupProbe()
                .withNewHttpGet().withPath("/q/health/live").withPort(new IntOrString(PORT)).endHttpGet()
                .withPeriodSeconds(2).withFailureThreshold(60)
                .endStartupProbe()
                .withNewLivenessProbe()
                .withNewHttpGet().withPath("/q/health/live").withPort(new IntOrString(PORT)).endHttpGet()
                .withPeriodSeconds(10).withTimeoutSeconds(3).withFailureThreshold(3)
                .endLivenessProbe()
                .withNewReadinessProbe()
                .withNewHttpGet().withPath("/q/health/ready").withPort(new IntOrString(PORT)).endHttpGet()
                // 3 s, not the default 1 s: on a loaded node the database path's answer takes longer than 1 s
                // (kubelet: context deadline exceeded), and a pod marked unready for that reloads every nginx.
                .withPeriodSeconds(3).withTimeoutSeconds(3).withFailureThreshold(2)
                .endReadinessProbe()
                .endContainer()
                .withVolumes(ContainerSecurity.scratchVolume("tmp", "64Mi"))
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    public Service service() {
        return new ServiceBuilder()
                .withNewMetadata().withName(names.api()).withNamespace(stack.namespace()).withLabels(labels())
                .endMetadata()
                .withNewSpec()
                .withSelector(Labels.selector(stack.name(), Components.API))
                .addNewPort().withName("http").withPort(PORT).withTargetPort(new IntOrString(PORT)).endPort()
                .endSpec()
                .build();
    }

    /**
     * Headless Service listing the ready API pods: nginx reads it to address each pod, so that a pod that stopped
     * answering (its node stopped) is skipped after one failed try instead of taking its share of new connections
     * until Kubernetes notices the node (~40 s).
     */
    public Service podsService() {
        return new ServiceBuilder()
                .withNewMetadata().withName(names.apiPods()).withNamespace(stack.namespace()).withLabels(labels())
                .endMetadata()
                .withNewSpec()
                .withClusterIP("None")
                .withSelector(Labels.selector(stack.name(), Components.API))
                .addNewPort().withName("http").withPort(PORT).withTargetPort(new IntOrString(PORT)).endPort()
                .endSpec()
                .build();
    }

    public PodDisruptionBudget disruptionBudget() {
        return Disruption.budget(names.api(), stack.namespace(), stack.name(), Components.API);
    }
}
