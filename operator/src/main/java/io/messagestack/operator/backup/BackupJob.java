package io.messagestack.operator.backup;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.messagestack.operator.common.Components;
import io.messagestack.operator.common.Images;
import io.messagestack.operator.common.Labels;
import io.messagestack.operator.common.Stack;
import io.messagestack.operator.crd.BackupSpec;
import io.messagestack.operator.crd.PvcStorageSpec;
import io.messagestack.operator.crd.S3StorageSpec;
import io.messagestack.operator.crd.Engine;
import io.messagestack.operator.crd.MessageStack;
import io.messagestack.operator.crd.BackupPosition;
import io.messagestack.operator.crd.MessageStackBackup;
import io.messagestack.operator.crd.MessageStackBackupStatus;
import io.messagestack.operator.database.DatabaseCluster;
import io.messagestack.operator.security.ContainerSecurity;
import io.messagestack.operator.security.DatabaseCredentials;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The Job that takes one physical backup: {@code galera-agent backup} in the database image (it carries
 * mariadb-backup), on the same Kubernetes node as the chosen database pod, with that pod's data volume mounted
 * read-only (a ReadWriteOnce volume may be mounted by several pods of one node). It reads the InnoDB files from the
 * volume and talks to the server over TCP as the backup user. The galera-agent binary comes from the galera-agent
 * image through an init container, as in the database pods. Pure: built from the spec, unit-tested (BackupJobTest).
 */
public final class BackupJob {
    public static final String CONTAINER = "backup";
    public static final String BACKUP_LABEL = "messagestack.io/backup";
    /** Where the PVC target is mounted in the Job. */
    public static final String VOLUME_TARGET_DIR = "/backups";
    public static final String CA_DIR = "/etc/messagestack/backup-ca";
    /** A backup that runs longer than this is stopped (and Failed). */
    public static final long DEADLINE_SECONDS = 6 * 3600;
    private static final String BIN_VOLUME = DatabaseCluster.BIN_VOLUME;

    private BackupJob() {
    }

    /** The Job's name: the backup's, shortened with a hash when needed (a Job name must fit a 63-character label). */
    public static String jobName(String backup) {
        return shortName(backup) + "-backup";
    }

    /** The Job that deletes this backup's objects when retention chose it. */
    public static String deleteJobName(String backup) {
        return shortName(backup) + "-delete";
    }

    private static String shortName(String backup) {
        return backup.length() <= 52 ? backup : backup.substring(0, 43) + "-" + hash(backup);
    }

    /** The PVC of database node {@code ordinal} (the StatefulSet's claim template {@code datadir}). */
    public static String dataClaim(Stack stack, int ordinal) {
        return DatabaseCluster.DATA_VOLUME + "-" + stack.names().dbStatefulSet() + "-" + ordinal;
    }

    /** The folder of this backup in the store, without a trailing '/'. */
    public static String folder(Stack stack, String backup) {
        BackupSpec spec = stack.spec().backup;
        String prefix = spec.storage.s3 != null
                ? BackupLayout.normalizePrefix("spec.backup.storage.s3.prefix", spec.storage.s3.prefix) : "";
        String folder = BackupLayout.backupFolder(BackupLayout.stackRoot(prefix, stack.namespace(), stack.name()), backup);
        return folder.substring(0, folder.length() - 1);
    }

    /** Where the backup is, for the status: s3://bucket/folder/ or pvc://claim/folder/. */
    public static String location(Stack stack, String backup) {
        BackupSpec spec = stack.spec().backup;
        return spec.storage.s3 != null
                ? "s3://" + spec.storage.s3.bucket + "/" + folder(stack, backup) + "/"
                : "pvc://" + spec.storage.pvc.claimName + "/" + folder(stack, backup) + "/";
    }

    public static Job build(Stack stack, MessageStackBackup backup, BackupNodeChoice.Node node) {
        String name = backup.getMetadata().getName();
        long uid = stack.spec().database.engine == Engine.PERCONA_XTRADB_CLUSTER ? 1001L : 999L;
        Map<String, String> labels = Labels.of(stack.name(), Components.BACKUP);
        labels.put(BACKUP_LABEL, shortName(name));
        BackupSpec spec = stack.spec().backup;

        List<EnvVar> env = new ArrayList<>();
        env.add(env("ENGINE", stack.spec().database.engine.value()));
        env.add(env("STACK", stack.name()));
        env.add(env("NAMESPACE", stack.namespace()));
        env.add(env("BACKUP_NAME", name));
        env.add(env("DB_POD", node.pod()));
        env.add(env("DB_HOST", stack.names().dbPodHost(node.ordinal(), stack.namespace(), stack.clusterDomain())));
        env.add(env("DB_PORT", Integer.toString(DatabaseCluster.MYSQL_PORT)));
        env.add(env("BACKUP_USER", DatabaseCredentials.BACKUP_USER));
        env.add(secretKey("BACKUP_PASSWORD", stack.names().dbCredentials(), DatabaseCredentials.BACKUP));
        env.add(env("DATADIR", DatabaseCluster.DATA_DIR));
        env.add(env("BACKUP_TMPDIR", "/tmp"));
        env.add(env("BACKUP_FOLDER", folder(stack, name)));
        env.add(env("TERMINATION_LOG", "/dev/termination-log"));
        List<Volume> volumes = new ArrayList<>();
        List<VolumeMount> mounts = new ArrayList<>();
        volumes.add(new VolumeBuilder().withName(DatabaseCluster.DATA_VOLUME).withNewPersistentVolumeClaim()
                .withClaimName(dataClaim(stack, node.ordinal())).withReadOnly(true).endPersistentVolumeClaim().build());
        mounts.add(mount(DatabaseCluster.DATA_VOLUME, DatabaseCluster.DATA_DIR, true));
        volumes.add(ContainerSecurity.scratchVolume(BIN_VOLUME, "64Mi"));
        mounts.add(mount(BIN_VOLUME, DatabaseCluster.BIN_DIR, true));
        volumes.add(ContainerSecurity.scratchVolume("tmp", "1Gi"));
        mounts.add(mount("tmp", "/tmp", false));
        storage(spec, env, volumes, mounts);

        Container install = new ContainerBuilder()
                .withName("install-galera-agent")
                .withImage(stack.images().defaultImage(Images.GALERA_AGENT))
                .withCommand(DatabaseCluster.AGENT_IMAGE_BINARY, "install", DatabaseCluster.AGENT_BINARY)
                .withSecurityContext(ContainerSecurity.readOnlyRoot(ContainerSecurity.restricted(uid, uid)))
                .withResources(new ResourceRequirementsBuilder()
                        .addToRequests("cpu", new Quantity("10m")).addToRequests("memory", new Quantity("16Mi"))
                        .addToLimits("memory", new Quantity("64Mi")).build())
                .withVolumeMounts(mount(BIN_VOLUME, DatabaseCluster.BIN_DIR, false))
                .build();
        Container main = new ContainerBuilder()
                .withName(CONTAINER)
                .withImage(stack.images().database(stack.spec().database.engine, stack.spec().database.image))
                .withCommand(DatabaseCluster.AGENT_BINARY, "backup")
                .withEnv(env)
                // The data files are the mysql user's; the same uid reads them. Nothing else is writable.
                .withSecurityContext(ContainerSecurity.readOnlyRoot(ContainerSecurity.restricted(uid, uid)))
                .withTerminationMessagePolicy("File")
                // One 16 MiB part in memory, the zstd encoder, and mariadb-backup's own buffers (--use-memory 100M).
                .withResources(new ResourceRequirementsBuilder()
                        .addToRequests("cpu", new Quantity("100m")).addToRequests("memory", new Quantity("256Mi"))
                        .addToLimits("memory", new Quantity("1Gi")).build())
                .withVolumeMounts(mounts)
                .build();
        return new JobBuilder()
                .withNewMetadata().withName(jobName(name)).withNamespace(stack.namespace()).withLabels(labels)
                .withOwnerReferences(new OwnerReferenceBuilder()
                        .withApiVersion(MessageStack.GROUP + "/" + MessageStack.VERSION).withKind("MessageStackBackup")
                        .withName(name).withUid(backup.getMetadata().getUid())
                        .withController(true).withBlockOwnerDeletion(true).build())
                .endMetadata()
                .withNewSpec()
                // One attempt: a retry is a new MessageStackBackup (a failed run leaves no manifest behind).
                .withBackoffLimit(0)
                .withActiveDeadlineSeconds(DEADLINE_SECONDS)
                .withNewTemplate()
                .withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                // Next to the database pod: its ReadWriteOnce volume can be mounted only on its node. Through the
                // scheduler (node affinity on the node's name, as DaemonSets do), not spec.nodeName: a storage
                // class that binds on first use (WaitForFirstConsumer, kind's local-path) binds the backup claim only
                // for a scheduled pod, so with nodeName a PVC target's first backup waited forever in Init.
                .withAffinity(onNode(node.nodeName()))
                .withAutomountServiceAccountToken(false)
                .withEnableServiceLinks(false)
                .withSecurityContext(ContainerSecurity.pod(null))
                .withInitContainers(install)
                .withContainers(main)
                .withVolumes(volumes)
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    static Affinity onNode(String nodeName) {
        return new AffinityBuilder().withNewNodeAffinity().withNewRequiredDuringSchedulingIgnoredDuringExecution()
                .addNewNodeSelectorTerm().addNewMatchField()
                .withKey("metadata.name").withOperator("In").withValues(nodeName)
                .endMatchField().endNodeSelectorTerm()
                .endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().build();
    }

    /** The variable that gives backup-delete the kept backups (galera-agent binlog_retention.go reads it). */
    public static final String KEPT_BACKUPS_ENV = "KEPT_BACKUPS";

    /** One complete backup retention keeps, with its recorded position (null parts when it has none). */
    public record KeptBackup(String backup, String galeraUuid, String gtid) {
    }

    /**
     * The complete backups retention keeps: the stack's Completed MessageStackBackups not being deleted, by name.
     * One without a recorded position is listed with nulls, so the agent prunes nothing (which history it needs
     * is unknown).
     */
    public static List<KeptBackup> keptBackups(List<MessageStackBackup> stackBackups, Collection<String> deleting) {
        return stackBackups.stream()
                .filter(b -> b.getStatus() != null && MessageStackBackupStatus.COMPLETED.equals(b.getStatus().phase))
                .filter(b -> !deleting.contains(b.getMetadata().getName()))
                .map(b -> {
                    BackupPosition p = b.getStatus().position;
                    return new KeptBackup(b.getMetadata().getName(), p == null ? null : p.galeraUuid, p == null ? null : p.gtid);
                })
                .sorted(Comparator.comparing(KeptBackup::backup))
                .toList();
    }

    /** KEPT_BACKUPS: [{"backup":NAME,"galeraUuid":UUID,"gtid":"d-s-n,..."}, ...] (the agent's KeptBackup). */
    public static String keptBackupsJson(List<KeptBackup> kept) {
        try {
            return JSON.writeValueAsString(kept);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The Job that deletes one complete backup (retention chose it): {@code galera-agent backup-delete} from the
     * galera-agent image, with only the storage's settings and keys; no database, no data volume. The agent deletes
     * the manifest first and refuses a folder without one; then it deletes the archived binary log segments none
     * of the {@code kept} backups can use (docs/pitr.md "Archive retention"; the rule is the agent's).
     */
    public static Job buildDelete(Stack stack, MessageStackBackup backup, List<KeptBackup> kept) {
        String name = backup.getMetadata().getName();
        long uid = stack.spec().database.engine == Engine.PERCONA_XTRADB_CLUSTER ? 1001L : 999L;
        Map<String, String> labels = Labels.of(stack.name(), Components.BACKUP);
        labels.put(BACKUP_LABEL, shortName(name));
        BackupSpec spec = stack.spec().backup;
        List<EnvVar> env = new ArrayList<>();
        env.add(env("BACKUP_NAME", name));
        env.add(env("BACKUP_FOLDER", folder(stack, name)));
        env.add(env("TERMINATION_LOG", "/dev/termination-log"));
        env.add(env("BINLOG_FOLDER", BinlogArchiver.folder(stack)));
        env.add(env(KEPT_BACKUPS_ENV, keptBackupsJson(kept)));
        List<Volume> volumes = new ArrayList<>();
        List<VolumeMount> mounts = new ArrayList<>();
        storage(spec, env, volumes, mounts);
        if (spec.storage.pvc != null) {
            env.add(env("BINLOG_DIR", VOLUME_TARGET_DIR)); // the archive is on the same volume (BinlogArchiver)
        }
        Container main = new ContainerBuilder()
                .withName("delete")
                .withImage(stack.images().defaultImage(Images.GALERA_AGENT))
                .withCommand(DatabaseCluster.AGENT_IMAGE_BINARY, "backup-delete")
                .withEnv(env)
                .withSecurityContext(ContainerSecurity.readOnlyRoot(ContainerSecurity.restricted(uid, uid)))
                .withResources(new ResourceRequirementsBuilder()
                        .addToRequests("cpu", new Quantity("10m")).addToRequests("memory", new Quantity("32Mi"))
                        .addToLimits("memory", new Quantity("128Mi")).build())
                .withVolumeMounts(mounts)
                .build();
        return new JobBuilder()
                .withNewMetadata().withName(deleteJobName(name)).withNamespace(stack.namespace()).withLabels(labels)
                .withOwnerReferences(new OwnerReferenceBuilder()
                        .withApiVersion(MessageStack.GROUP + "/" + MessageStack.VERSION).withKind("MessageStackBackup")
                        .withName(name).withUid(backup.getMetadata().getUid())
                        .withController(true).withBlockOwnerDeletion(true).build())
                .endMetadata()
                .withNewSpec()
                .withBackoffLimit(0)
                .withActiveDeadlineSeconds(600L)
                .withNewTemplate()
                .withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .withAutomountServiceAccountToken(false)
                .withEnableServiceLinks(false)
                .withSecurityContext(ContainerSecurity.pod(null))
                .withContainers(main)
                .withVolumes(volumes)
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    /** The storage's settings: S3 (keys from the user's Secret, CA) or the PVC mounted at /backups. */
    private static void storage(BackupSpec spec, List<EnvVar> env, List<Volume> volumes, List<VolumeMount> mounts) {
        storageSettings(spec.storage.s3, spec.storage.pvc, "backup-ca", "target", false, env, volumes, mounts);
    }

    /**
     * The contract of galera-agent backup, backup-delete and restore for where a backup folder is: S3 (endpoint,
     * bucket, region, TLS; the keys only as secretKeyRef from the user's Secret, never in a spec or command line;
     * the CA from its Secret) or a PVC mounted at {@value #VOLUME_TARGET_DIR} (read-only for a restore).
     */
    public static void storageSettings(S3StorageSpec s3, PvcStorageSpec pvc, String caVolume, String targetVolume,
                                       boolean readOnly, List<EnvVar> env, List<Volume> volumes, List<VolumeMount> mounts) {
        if (s3 != null) {
            env.add(env("S3_ENDPOINT", s3.endpoint));
            env.add(env("S3_BUCKET", s3.bucket));
            env.add(env("S3_REGION", s3.region));
            env.add(secretKey("AWS_ACCESS_KEY_ID", s3.credentialsSecret.name, "AWS_ACCESS_KEY_ID"));
            env.add(secretKey("AWS_SECRET_ACCESS_KEY", s3.credentialsSecret.name, "AWS_SECRET_ACCESS_KEY"));
            env.add(env("S3_TLS_VERIFY", Boolean.toString(s3.tls == null || s3.tls.verify)));
            if (s3.tls != null && s3.tls.caSecret != null) {
                volumes.add(new VolumeBuilder().withName(caVolume).withNewSecret()
                        .withSecretName(s3.tls.caSecret.name).addNewItem().withKey("ca.crt").withPath("ca.crt").endItem()
                        .endSecret().build());
                mounts.add(mount(caVolume, CA_DIR, true));
                env.add(env("S3_CA_FILE", CA_DIR + "/ca.crt"));
            }
        } else {
            volumes.add(new VolumeBuilder().withName(targetVolume).withNewPersistentVolumeClaim()
                    .withClaimName(pvc.claimName).withReadOnly(readOnly ? Boolean.TRUE : null)
                    .endPersistentVolumeClaim().build());
            mounts.add(mount(targetVolume, VOLUME_TARGET_DIR, readOnly));
            env.add(env("BACKUP_DIR", VOLUME_TARGET_DIR));
        }
    }

    /** How long a backup pod may stay unstarted (image pull, volume mount) before the backup is given up. */
    public static final java.time.Duration START_TIMEOUT = java.time.Duration.ofMinutes(10);

    /**
     * Why the backup pod has not started its backup container though {@link #START_TIMEOUT} has passed since the
     * Job was created (an unpullable image, a volume that cannot be mounted on that node), or empty while it may
     * still start. A pod that got as far as running or ending its container is never stuck.
     */
    public static java.util.Optional<String> stuck(io.fabric8.kubernetes.api.model.Pod pod, java.time.Instant jobCreated,
                                                   java.time.Instant now) {
        if (jobCreated == null || now.isBefore(jobCreated.plus(START_TIMEOUT))) {
            return java.util.Optional.empty();
        }
        if (pod == null) {
            return java.util.Optional.of("no pod was created for the Job in " + START_TIMEOUT.toMinutes() + " minutes");
        }
        var status = pod.getStatus();
        if (status != null && status.getContainerStatuses() != null) {
            for (var cs : status.getContainerStatuses()) {
                if (CONTAINER.equals(cs.getName()) && cs.getState() != null
                        && (cs.getState().getRunning() != null || cs.getState().getTerminated() != null)) {
                    return java.util.Optional.empty();
                }
            }
        }
        String why = "";
        if (status != null) {
            List<io.fabric8.kubernetes.api.model.ContainerStatus> all = new ArrayList<>();
            if (status.getInitContainerStatuses() != null) {
                all.addAll(status.getInitContainerStatuses());
            }
            if (status.getContainerStatuses() != null) {
                all.addAll(status.getContainerStatuses());
            }
            for (var cs : all) {
                if (cs.getState() != null && cs.getState().getWaiting() != null) {
                    why = cs.getName() + ": " + cs.getState().getWaiting().getReason()
                            + (cs.getState().getWaiting().getMessage() == null ? ""
                            : " (" + cs.getState().getWaiting().getMessage() + ")");
                    break;
                }
            }
        }
        return java.util.Optional.of("the backup pod " + pod.getMetadata().getName() + " did not start in "
                + START_TIMEOUT.toMinutes() + " minutes" + (why.isEmpty() ? "" : ": " + why)
                + "; for the pvc target, the claim must be mountable on the database pod's node");
    }

    private static EnvVar env(String name, String value) {
        return new EnvVarBuilder().withName(name).withValue(value).build();
    }

    private static EnvVar secretKey(String name, String secret, String key) {
        return new EnvVarBuilder().withName(name).withNewValueFrom().withNewSecretKeyRef()
                .withName(secret).withKey(key).endSecretKeyRef().endValueFrom().build();
    }

    private static VolumeMount mount(String name, String path, boolean readOnly) {
        return new VolumeMountBuilder().withName(name).withMountPath(path).withReadOnly(readOnly).build();
    }

    private static String hash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
