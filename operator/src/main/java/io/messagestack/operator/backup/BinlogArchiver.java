package io.messagestack.operator.backup;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.messagestack.operator.common.Components;
import io.messagestack.operator.common.Images;
import io.messagestack.operator.common.Labels;
import io.messagestack.operator.common.Stack;
import io.messagestack.operator.crd.BackupSpec;
import io.messagestack.operator.database.DatabaseCluster;
import io.messagestack.operator.security.ContainerSecurity;
import io.messagestack.operator.security.DatabaseCredentials;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The binary log archiver of point-in-time recovery (docs/pitr.md): a Deployment of ONE pod running
 * {@code galera-agent binlog-archive} in the database image (it carries mariadb-binlog), which follows one database
 * node over the network as a replica (the node {@link ArchiverNodeChoice} picks, by its stable DNS name, so that
 * both of the archiver's connections reach the same server) and stores segments of whole transactions next to the
 * backups. Strategy Recreate: the old pod is gone before a new one starts, so two archivers never write at once
 * (their cuts would overlap). State is in the archive's object names, so a restart, a move to another node or a
 * full crash continues where the archive ends. Its status (last archived GTID and time, gaps) is served on
 * {@value #STATUS_PORT} for the operator. Credentials only as secretKeyRefs. Pure (BinlogArchiverTest).
 */
public final class BinlogArchiver {
    public static final String CONTAINER = "archiver";
    public static final int STATUS_PORT = DatabaseCluster.ARCHIVER_STATUS_PORT;
    public static final String STATUS_PATH = "/status";
    /** The env var naming the followed pod: the current choice, read back from the applied Deployment. */
    public static final String FOLLOWED_POD_ENV = "DB_POD";
    static final String STAGING_DIR = "/staging";
    private static final long UID = 999L; // MariaDB's mysql user; PITR is MariaDB Galera only

    private BinlogArchiver() {
    }

    /** The folder the archiver writes (the Galera UUID is added by the archiver). */
    public static String folder(Stack stack) {
        BackupSpec spec = stack.spec().backup;
        String prefix = spec.storage.s3 != null
                ? BackupLayout.normalizePrefix("spec.backup.storage.s3.prefix", spec.storage.s3.prefix) : "";
        return BackupLayout.binlogFolder(BackupLayout.stackRoot(prefix, stack.namespace(), stack.name()));
    }

    /** The pod the applied archiver follows, if there is one. */
    public static Optional<String> followedPod(Deployment existing) {
        if (existing == null || existing.getSpec() == null || existing.getSpec().getTemplate() == null
                || existing.getSpec().getTemplate().getSpec() == null) {
            return Optional.empty();
        }
        return existing.getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> CONTAINER.equals(c.getName())).flatMap(c -> c.getEnv().stream())
                .filter(e -> FOLLOWED_POD_ENV.equals(e.getName())).map(EnvVar::getValue).findFirst();
    }

    public static Deployment build(Stack stack, int ordinal) {
        BackupSpec spec = stack.spec().backup;
        String pod = stack.names().dbStatefulSet() + "-" + ordinal;
        Map<String, String> labels = Labels.of(stack.name(), Components.BINLOG_ARCHIVER);
        List<EnvVar> env = new ArrayList<>();
        env.add(env("ENGINE", stack.spec().database.engine.value()));
        env.add(env(FOLLOWED_POD_ENV, pod));
        env.add(env("DB_HOST", stack.names().dbPodHost(ordinal, stack.namespace(), stack.clusterDomain())));
        env.add(env("DB_PORT", Integer.toString(DatabaseCluster.MYSQL_PORT)));
        env.add(env("BINLOG_USER", DatabaseCredentials.BINLOG_USER));
        env.add(new EnvVarBuilder().withName("BINLOG_PASSWORD").withNewValueFrom().withNewSecretKeyRef()
                .withName(stack.names().dbCredentials()).withKey(DatabaseCredentials.BINLOG).endSecretKeyRef()
                .endValueFrom().build());
        env.add(env("BINLOG_FOLDER", folder(stack)));
        env.add(env("STAGING_DIR", STAGING_DIR));
        env.add(env("STATUS_ADDR", ":" + STATUS_PORT));
        env.add(env("ARCHIVE_INTERVAL_MS", "1000"));
        List<Volume> volumes = new ArrayList<>();
        List<VolumeMount> mounts = new ArrayList<>();
        BackupJob.storageSettings(spec.storage.s3, spec.storage.pvc, "backup-ca", "target", false, env, volumes, mounts);
        if (spec.storage.pvc != null) {
            env.add(env("BINLOG_DIR", BackupJob.VOLUME_TARGET_DIR));
        }
        volumes.add(ContainerSecurity.scratchVolume(DatabaseCluster.BIN_VOLUME, "64Mi"));
        mounts.add(mount(DatabaseCluster.BIN_VOLUME, DatabaseCluster.BIN_DIR, true));
        // The binary log being followed, until each file is archived and the server rotated past it.
        volumes.add(ContainerSecurity.scratchVolume("staging", "4Gi"));
        mounts.add(mount("staging", STAGING_DIR, false));

        Container install = new ContainerBuilder()
                .withName("install-galera-agent")
                .withImage(stack.images().defaultImage(Images.GALERA_AGENT))
                .withCommand(DatabaseCluster.AGENT_IMAGE_BINARY, "install", DatabaseCluster.AGENT_BINARY)
                .withSecurityContext(ContainerSecurity.readOnlyRoot(ContainerSecurity.restricted(UID, UID)))
                .withResources(new ResourceRequirementsBuilder()
                        .addToRequests("cpu", new Quantity("10m")).addToRequests("memory", new Quantity("16Mi"))
                        .addToLimits("memory", new Quantity("64Mi")).build())
                .withVolumeMounts(mount(DatabaseCluster.BIN_VOLUME, DatabaseCluster.BIN_DIR, false))
                .build();
        Container archiver = new ContainerBuilder()
                .withName(CONTAINER)
                .withImage(stack.images().database(stack.spec().database.engine, stack.spec().database.image))
                .withCommand(DatabaseCluster.AGENT_BINARY, "binlog-archive")
                .withEnv(env)
                .withSecurityContext(ContainerSecurity.readOnlyRoot(ContainerSecurity.restricted(UID, UID)))
                .withPorts(new io.fabric8.kubernetes.api.model.ContainerPortBuilder().withName("status")
                        .withContainerPort(STATUS_PORT).build())
                .withNewReadinessProbe()
                .withNewHttpGet().withPath(STATUS_PATH).withPort(new IntOrString(STATUS_PORT)).endHttpGet()
                .withPeriodSeconds(10).withTimeoutSeconds(2)
                .endReadinessProbe()
                // A 16 MiB read chunk (doubled for a larger transaction), one segment in memory, mariadb-binlog.
                .withResources(new ResourceRequirementsBuilder()
                        .addToRequests("cpu", new Quantity("20m")).addToRequests("memory", new Quantity("64Mi"))
                        .addToLimits("memory", new Quantity("512Mi")).build())
                .withTerminationMessagePolicy("FallbackToLogsOnError")
                .withVolumeMounts(mounts)
                .build();
        return new DeploymentBuilder()
                .withNewMetadata().withName(stack.names().binlogArchiver()).withNamespace(stack.namespace())
                .withLabels(labels).endMetadata()
                .withNewSpec()
                .withReplicas(1)
                .withNewStrategy().withType("Recreate").endStrategy()
                .withNewSelector().withMatchLabels(Labels.selector(stack.name(), Components.BINLOG_ARCHIVER)).endSelector()
                .withNewTemplate()
                .withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec()
                .withAutomountServiceAccountToken(false)
                .withEnableServiceLinks(false)
                .withSecurityContext(ContainerSecurity.pod(null))
                // On SIGTERM the archiver cuts and stores what is staged (at most 30 s) before it exits.
                .withTerminationGracePeriodSeconds(60L)
                .withInitContainers(install)
                .withContainers(archiver)
                .withVolumes(volumes)
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    private static EnvVar env(String name, String value) {
        return new EnvVarBuilder().withName(name).withValue(value).build();
    }

    private static VolumeMount mount(String name, String path, boolean readOnly) {
        return new VolumeMountBuilder().withName(name).withMountPath(path).withReadOnly(readOnly).build();
    }
}
