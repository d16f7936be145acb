package io.messagestack.operator.database;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.messagestack.operator.common.Affinities;
import io.messagestack.operator.common.Components;
import io.messagestack.operator.common.ConfigHash;
import io.messagestack.operator.common.Disruption;
import io.messagestack.operator.common.Labels;
import io.messagestack.operator.common.Scrape;
import io.messagestack.operator.common.Names;
import io.messagestack.operator.common.Stack;
import io.messagestack.operator.crd.DatabaseSpec;
import io.messagestack.operator.security.AgentToken;
import io.messagestack.operator.security.ContainerSecurity;
import io.messagestack.operator.security.DatabaseCredentials;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Galera cluster: config, start script, StatefulSet with the galera-agent sidecar, Services, PDB. The start
 * script is a few lines that exec {@code galera-agent start} (the data plane is Go, galera-agent/start.go); an init
 * container copies that binary from the galera-agent image into the pod, so public engine images work unchanged.
 */
public final class DatabaseCluster {
    public static final int MYSQL_PORT = 3306;
    public static final int AGENT_PORT = 9200;
    /** galera-agent binlog-archive's GET /status (backup/BinlogArchiver; the operator reads it). */
    public static final int ARCHIVER_STATUS_PORT = 9201;
    /** The agent's Prometheus endpoint (galera-agent/metrics.go): Galera, InnoDB and connection metrics. */
    public static final String METRICS_PATH = "/metrics";
    public static final String CONFIG_KEY = "messagestack.cnf";
    public static final String REPLICAS_KEY = "replicas";
    public static final String START_SCRIPT = "galera-start.sh";
    /** The agent's bearer token (Secret {@code <name>-db-agent-token}), mounted into the agent container only. */
    public static final String AGENT_TOKEN_VOLUME = "agent-token";
    /** The label the StatefulSet controller puts on each of its pods: the pod's own name. */
    public static final String STATEFUL_SET_POD_NAME = "statefulset.kubernetes.io/pod-name";

    /** Where the data-plane part puts the start script in the operator's classpath. */
    public static final String START_SCRIPT_RESOURCE = "dataplane/" + START_SCRIPT;
    public static final String SCRIPTS_DIR = "/etc/messagestack/scripts";
    public static final String CONFIG_DIR = "/etc/messagestack/conf.d";
    public static final String DATA_DIR = "/var/lib/mysql";
    public static final String DATA_VOLUME = "datadir";
    /** An emptyDir: the init container copies the galera-agent binary here; the database container runs it. */
    public static final String BIN_VOLUME = "dataplane-bin";
    public static final String BIN_DIR = "/opt/messagestack/bin";
    /** The path galera-start.sh execs (its default; also set as GALERA_AGENT in the database container). */
    public static final String AGENT_BINARY = BIN_DIR + "/galera-agent";
    /** Where the galera-agent image holds its binary. */
    public static final String AGENT_IMAGE_BINARY = "/usr/local/bin/galera-agent";

    private final Stack stack;
    private final DatabaseSpec spec;
    private final Names names;
    private final String startScript;
    /** Nodes the StatefulSet gets now: spec.database.replicas, or a step toward it (see DatabaseScaling). */
    private final int replicas;
    /** Where ordinal 0 is restored from (spec.database.restore), or null. */
    private RestoreInit.Source restoreSource;

    public DatabaseCluster(Stack stack, String startScript, int replicas) {
        this.stack = stack;
        this.spec = stack.spec().database;
        this.names = stack.names();
        this.startScript = startScript;
        this.replicas = replicas;
    }

    private Map<String, String> labels() {
        return Labels.of(stack.name(), Components.DATABASE);
    }

    /**
     * my.cnf for conf.d, and the cluster size for the start script ({@link #REPLICAS_KEY}: not a .cnf file, so the
     * server's !includedir skips it). The size reaches the pods as an env var read from this ConfigMap when a
     * container starts, not as a value in the pod template, and it is left out of the config hash: scaling the
     * database must not restart the nodes that already run (each restart is a failover and a state transfer).
     */
    public ConfigMap config() {
        return new ConfigMapBuilder()
                .withNewMetadata().withName(names.dbConfig()).withNamespace(stack.namespace()).withLabels(labels())
                .endMetadata()
                .withData(Map.of(CONFIG_KEY, MyCnfRenderer.render(stack.name(), spec, pointInTimeRecovery()),
                        REPLICAS_KEY, Integer.toString(replicas)))
                .build();
    }

    /** spec.backup.pointInTimeRecovery.enabled: the nodes write the binary log PITR archives (docs/pitr.md). */
    private boolean pointInTimeRecovery() {
        return stack.spec().pointInTimeRecovery();
    }

    public ConfigMap scripts() {
        return new ConfigMapBuilder()
                .withNewMetadata().withName(names.dbScripts()).withNamespace(stack.namespace()).withLabels(labels())
                .endMetadata()
                .withData(Map.of(START_SCRIPT, startScript))
                .build();
    }

    /** Headless, and publishing not-ready addresses: joining nodes must find peers before they are Ready. */
    public Service peerService() {
        return new ServiceBuilder()
                .withNewMetadata().withName(names.dbPeerService()).withNamespace(stack.namespace())
                .withLabels(labels()).endMetadata()
                .withNewSpec()
                .withClusterIP("None")
                .withPublishNotReadyAddresses(true)
                .withSelector(Labels.selector(stack.name(), Components.DATABASE))
                .withPorts(port("mysql", MYSQL_PORT), port("galera", 4567), port("ist", 4568), port("sst", 4444),
                        port("agent", AGENT_PORT))
                .endSpec()
                .build();
    }

    public Service clientService() {
        return new ServiceBuilder()
                .withNewMetadata().withName(names.dbClientService()).withNamespace(stack.namespace())
                .withLabels(labels()).endMetadata()
                .withNewSpec()
                .withSelector(Labels.selector(stack.name(), Components.DATABASE))
                .withPorts(port("mysql", MYSQL_PORT))
                .endSpec()
                .build();
    }

    public PodDisruptionBudget disruptionBudget() {
        return Disruption.budget(names.dbPdb(), stack.namespace(), stack.name(), Components.DATABASE);
    }

    /**
     * The database budget (one pod at a time) over every database pod except {@code excluded} (ordinals), which
     * the writer's budget selects: the two must never both select a pod (WriterDisruption).
     */
    public PodDisruptionBudget disruptionBudgetExcluding(java.util.Collection<Integer> excluded) {
        List<String> names = podNames(excluded);
        long remaining = java.util.stream.IntStream.range(0, replicas).filter(i -> !excluded.contains(i)).count();
        return Disruption.excluding(disruptionBudget(), STATEFUL_SET_POD_NAME, names, (int) remaining);
    }

    /** The writer's budget: no eviction of the pods {@code protectedOrdinals} (non-empty), unless not Ready. */
    public PodDisruptionBudget writerDisruptionBudget(java.util.Collection<Integer> protectedOrdinals) {
        return Disruption.none(names.dbWriterPdb(), stack.namespace(), stack.name(), Components.DATABASE,
                STATEFUL_SET_POD_NAME, podNames(protectedOrdinals));
    }

    /** The ordinals a budget built here selects by pod name (empty for a budget without that expression). */
    public static java.util.SortedSet<Integer> ordinalsOf(PodDisruptionBudget budget, String statefulSet) {
        java.util.SortedSet<Integer> ordinals = new java.util.TreeSet<>();
        if (budget == null || budget.getSpec() == null || budget.getSpec().getSelector() == null
                || budget.getSpec().getSelector().getMatchExpressions() == null) {
            return ordinals;
        }
        budget.getSpec().getSelector().getMatchExpressions().stream()
                .filter(e -> STATEFUL_SET_POD_NAME.equals(e.getKey()) && "In".equals(e.getOperator()))
                .flatMap(e -> e.getValues() == null ? java.util.stream.Stream.<String>empty() : e.getValues().stream())
                .filter(v -> v.startsWith(statefulSet + "-") && v.substring(statefulSet.length() + 1).matches("[0-9]{1,6}"))
                .forEach(v -> ordinals.add(Integer.parseInt(v.substring(statefulSet.length() + 1))));
        return ordinals;
    }

    private List<String> podNames(java.util.Collection<Integer> ordinals) {
        return ordinals.stream().sorted().map(o -> names.dbStatefulSet() + "-" + o).toList();
    }

    public StatefulSet statefulSet() {
        String configHash = ConfigHash.of(Map.of(CONFIG_KEY, config().getData().get(CONFIG_KEY)), scripts().getData());
        boolean deleteVolumes = spec.storage.deleteWithStack;
        List<io.fabric8.kubernetes.api.model.Volume> restoreVolumes = new ArrayList<>();
        return new StatefulSetBuilder()
                .withNewMetadata().withName(names.dbStatefulSet()).withNamespace(stack.namespace())
                .withLabels(labels()).endMetadata()
                .withNewSpec()
                .withReplicas(replicas)
                .withServiceName(names.dbPeerService())
                // All nodes start together: each decides itself whether to bootstrap, join or wait (see the script).
                .withPodManagementPolicy("Parallel")
                .withNewSelector().withMatchLabels(Labels.selector(stack.name(), Components.DATABASE)).endSelector()
                .withNewPersistentVolumeClaimRetentionPolicy()
                .withWhenDeleted(deleteVolumes ? "Delete" : "Retain")
                .withWhenScaled("Retain")
                .endPersistentVolumeClaimRetentionPolicy()
                .withNewTemplate()
                .withNewMetadata().withLabels(labels()).addToAnnotations(ConfigHash.ANNOTATION, configHash)
                .addToAnnotations(Scrape.annotations(AGENT_PORT, METRICS_PATH)).endMetadata()
                .withNewSpec()
                .withAffinity(Affinities.spread(stack.spec().placement.antiAffinity, stack.name(), Components.DATABASE))
                // A clean shutdown writes grastate.dat, which full-crash recovery relies on.
                .withTerminationGracePeriodSeconds(60L)
                // A fresh volume must be writable by the database's user, and by the agent (it writes markers).
                .withSecurityContext(ContainerSecurity.pod(databaseUid()))
                .withInitContainers(initContainers(restoreVolumes))
                .withContainers(databaseContainer(), agentContainer())
                .addAllToVolumes(restoreVolumes)
                // The static binary is ~7 MB.
                .addToVolumes(ContainerSecurity.scratchVolume(BIN_VOLUME, "32Mi"))
                .addNewVolume().withName("config").withNewConfigMap().withName(names.dbConfig()).endConfigMap().endVolume()
                .addNewVolume().withName("scripts").withNewConfigMap().withName(names.dbScripts())
                .withDefaultMode(0755).endConfigMap().endVolume()
                // Group-readable through fsGroup: the agent runs as the database's uid and gid.
                .addNewVolume().withName(AGENT_TOKEN_VOLUME).withNewSecret().withSecretName(names.dbAgentToken())
                .withDefaultMode(0440).endSecret().endVolume()
                .endSpec()
                .endTemplate()
                .withVolumeClaimTemplates(volumeClaimTemplate())
                .endSpec()
                .build();
    }

    PersistentVolumeClaim volumeClaimTemplate() {
        return new PersistentVolumeClaimBuilder()
                .withNewMetadata().withName(DATA_VOLUME).withLabels(labels()).endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withStorageClassName(blankToNull(spec.storage.storageClassName))
                .withNewResources().addToRequests("storage", new Quantity(spec.storage.size)).endResources()
                .endSpec()
                .build();
    }

    private Container databaseContainer() {
        List<EnvVar> env = new ArrayList<>();
        env.add(env("ENGINE", spec.engine.value()));
        env.add(fieldRef("POD_NAME", "metadata.name"));
        env.add(fieldRef("POD_NAMESPACE", "metadata.namespace"));
        env.add(fieldRef("POD_IP", "status.podIP"));
        env.add(env("PEER_SERVICE", names.dbPeerService()));
        env.add(new EnvVarBuilder().withName("REPLICAS").withNewValueFrom().withNewConfigMapKeyRef()
                .withName(names.dbConfig()).withKey(REPLICAS_KEY).endConfigMapKeyRef().endValueFrom().build());
        env.add(env("CLUSTER_NAME", stack.name()));
        env.add(env("CLUSTER_DOMAIN", stack.clusterDomain()));
        env.add(secretRef("MYSQL_ROOT_PASSWORD", DatabaseCredentials.ROOT));
        env.add(env("MONITOR_USER", DatabaseCredentials.MONITOR_USER));
        env.add(secretRef("MONITOR_PASSWORD", DatabaseCredentials.MONITOR));
        // The user mariabackup state transfers log in as on the donor (local only, its own privileges; not root).
        env.add(env("SST_USER", DatabaseCredentials.SST_USER));
        env.add(secretRef("SST_PASSWORD", DatabaseCredentials.SST));
        // The user galera-agent backup logs in as, from the backup Job's pod (its own privileges; not root).
        env.add(env("BACKUP_USER", DatabaseCredentials.BACKUP_USER));
        env.add(secretRef("BACKUP_PASSWORD", DatabaseCredentials.BACKUP));
        if (pointInTimeRecovery()) {
            // The binary log archiver's replica login (REPLICATION SLAVE, BINLOG MONITOR), only while PITR is on.
            env.add(env("BINLOG_USER", DatabaseCredentials.BINLOG_USER));
            env.add(secretRef("BINLOG_PASSWORD", DatabaseCredentials.BINLOG));
        }
        env.add(env("GALERA_AGENT", AGENT_BINARY));
        env.add(env("APP_DATABASE", DatabaseCredentials.APP_DATABASE));
        env.add(env("APP_USER", DatabaseCredentials.APP_USER));
        env.add(secretRef("APP_PASSWORD", DatabaseCredentials.APP));
        return new ContainerBuilder()
                .withName("database")
                .withImage(stack.images().database(spec.engine, spec.image))
                .withCommand("/bin/bash", SCRIPTS_DIR + "/" + START_SCRIPT)
                // The image's own user (mysql), now fixed and checked; the group stays the image's.
                .withSecurityContext(ContainerSecurity.restricted(databaseUid()))
                .withEnv(env)
                .withPorts(
                        containerPort("mysql", MYSQL_PORT), containerPort("galera", 4567),
                        containerPort("ist", 4568), containerPort("sst", 4444))
                .withResources(resourcesOrDefault(spec.resources, "250m", "512Mi"))
                // Drain before the stop signal: the agent answers 503, HAProxy moves the writer and cuts this node's
                // sessions, and the hook returns once no application session is left (at most 15 s of the 60 s grace).
                .withNewLifecycle().withNewPreStop().withNewExec()
                .withCommand("/bin/bash", SCRIPTS_DIR + "/" + START_SCRIPT, "drain")
                .endExec().endPreStop().endLifecycle()
                // Ready only when this node is Primary and Synced, as the agent reports it. Liveness through the
                // agent's /live fails only for a node stuck outside the Primary component, never for a joiner in
                // SST or a node waiting for a recovery decision (the server is not running then).
                .withNewReadinessProbe()
                .withNewHttpGet().withPath("/health").withPort(new IntOrString(AGENT_PORT)).endHttpGet()
                .withPeriodSeconds(3).withTimeoutSeconds(2).withFailureThreshold(2).withSuccessThreshold(1)
                .endReadinessProbe()
                .withNewLivenessProbe()
                .withNewHttpGet().withPath("/live").withPort(new IntOrString(AGENT_PORT)).endHttpGet()
                .withPeriodSeconds(10).withTimeoutSeconds(3).withFailureThreshold(3)
                .endLivenessProbe()
                .addNewVolumeMount().withName(DATA_VOLUME).withMountPath(DATA_DIR).endVolumeMount()
                .addNewVolumeMount().withName("config").withMountPath(CONFIG_DIR).endVolumeMount()
                .addNewVolumeMount().withName("scripts").withMountPath(SCRIPTS_DIR).endVolumeMount()
                .addNewVolumeMount().withName(BIN_VOLUME).withMountPath(BIN_DIR).withReadOnly(true).endVolumeMount()
                .build();
    }

    /** The restore's source resolved by the reconciler (spec.database.restore.backup). */
    public DatabaseCluster restoreFrom(RestoreInit.Source source) {
        this.restoreSource = source;
        return this;
    }

    /** install-galera-agent, then (spec.database.restore with a location) restore. */
    private List<Container> initContainers(List<io.fabric8.kubernetes.api.model.Volume> restoreVolumes) {
        List<Container> init = new ArrayList<>();
        init.add(installAgentContainer());
        RestoreInit.Source source = restoreSource != null ? restoreSource : RestoreInit.fromLocation(spec.restore).orElse(null);
        if (source != null) {
            init.add(RestoreInit.container(source, spec.restore == null ? null : spec.restore.pointInTime,
                    spec.engine.value(), stack.images().database(spec.engine, spec.image),
                    databaseContainer(), restoreVolumes));
        }
        return init;
    }

    /** Copies the galera-agent binary (start, drain) into the pod for the database container. */
    private Container installAgentContainer() {
        return new ContainerBuilder()
                .withName("install-galera-agent")
                .withImage(stack.images().defaultImage(io.messagestack.operator.common.Images.GALERA_AGENT))
                .withCommand(AGENT_IMAGE_BINARY, "install", AGENT_BINARY)
                // It writes only into the emptyDir.
                .withSecurityContext(ContainerSecurity.readOnlyRoot(
                        ContainerSecurity.restricted(databaseUid(), databaseUid())))
                .withResources(new ResourceRequirementsBuilder()
                        .addToRequests("cpu", new Quantity("10m")).addToRequests("memory", new Quantity("16Mi"))
                        .addToLimits("memory", new Quantity("64Mi")).build())
                .addNewVolumeMount().withName(BIN_VOLUME).withMountPath(BIN_DIR).endVolumeMount()
                .build();
    }

    private Container agentContainer() {
        List<EnvVar> env = new ArrayList<>(List.of(
                fieldRef("POD_NAME", "metadata.name"),
                env("AGENT_PORT", Integer.toString(AGENT_PORT)),
                env("DATA_DIR", DATA_DIR),
                env("MYSQL_HOST", "127.0.0.1"),
                env("MYSQL_PORT", Integer.toString(MYSQL_PORT))));
        if (spec.engine == io.messagestack.operator.crd.Engine.MARIADB_GALERA) {
            // The agent's own logins go to MariaDB's extra port, which application connections cannot exhaust
            // (MyCnfRenderer.EXTRA_PORT); MYSQL_PORT stays the application's port that /state reports.
            env.add(env("MYSQL_MONITOR_PORT", Integer.toString(MyCnfRenderer.EXTRA_PORT)));
        }
        env.addAll(List.of(
                env("MONITOR_USER", DatabaseCredentials.MONITOR_USER),
                secretRef("MONITOR_PASSWORD", DatabaseCredentials.MONITOR),
                env("AGENT_TOKEN_FILE", AgentToken.FILE),
                // The peers' agents, asked before a bootstrap marker is written (every pod's address,
                // not-ready ones included, through the headless Service).
                env("PEER_SERVICE_HOST", stack.serviceHost(names.dbPeerService()))));
        return new ContainerBuilder()
                .withName("agent")
                .withImage(stack.images().defaultImage(io.messagestack.operator.common.Images.GALERA_AGENT))
                // The agent writes only its markers, into the data volume.
                .withSecurityContext(ContainerSecurity.readOnlyRoot(
                        ContainerSecurity.restricted(databaseUid(), databaseUid())))
                .withEnv(env)
                .withPorts(containerPort("agent", AGENT_PORT))
                .withResources(new ResourceRequirementsBuilder()
                        .addToRequests("cpu", new Quantity("10m")).addToRequests("memory", new Quantity("16Mi"))
                        .addToLimits("memory", new Quantity("64Mi")).build())
                .withNewLivenessProbe()
                .withNewHttpGet().withPath("/state").withPort(new IntOrString(AGENT_PORT)).endHttpGet()
                .withPeriodSeconds(10).withFailureThreshold(3)
                .endLivenessProbe()
                .addNewVolumeMount().withName(DATA_VOLUME).withMountPath(DATA_DIR).endVolumeMount()
                .addNewVolumeMount().withName(AGENT_TOKEN_VOLUME).withMountPath(AgentToken.MOUNT_DIR)
                .withReadOnly(true).endVolumeMount()
                .build();
    }

    /** The mysql user of the engine's image: 999 in MariaDB images, 1001 in Percona's. */
    long databaseUid() {
        return spec.engine == io.messagestack.operator.crd.Engine.PERCONA_XTRADB_CLUSTER ? 1001L : 999L;
    }

    private EnvVar secretRef(String name, String key) {
        return new EnvVarBuilder().withName(name).withNewValueFrom().withNewSecretKeyRef()
                .withName(names.dbCredentials()).withKey(key).endSecretKeyRef().endValueFrom().build();
    }

    static EnvVar env(String name, String value) {
        return new EnvVarBuilder().withName(name).withValue(value).build();
    }

    static EnvVar fieldRef(String name, String path) {
        return new EnvVarBuilder().withName(name).withNewValueFrom().withNewFieldRef().withFieldPath(path)
                .endFieldRef().endValueFrom().build();
    }

    private static ServicePort port(String name, int port) {
        return new ServicePortBuilder().withName(name).withPort(port).withTargetPort(new IntOrString(port)).build();
    }

    private static io.fabric8.kubernetes.api.model.ContainerPort containerPort(String name, int port) {
        return new io.fabric8.kubernetes.api.model.ContainerPortBuilder().withName(name).withContainerPort(port)
                .build();
    }

    /** The user's resources, or small requests that fit a kind cluster on a laptop. */
    public static ResourceRequirements resourcesOrDefault(ResourceRequirements fromSpec, String cpu, String memory) {
        if (fromSpec != null && (fromSpec.getRequests() != null && !fromSpec.getRequests().isEmpty()
                || fromSpec.getLimits() != null && !fromSpec.getLimits().isEmpty())) {
            return fromSpec;
        }
        return new ResourceRequirementsBuilder()
                .addToRequests("cpu", new Quantity(cpu)).addToRequests("memory", new Quantity(memory)).build();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
