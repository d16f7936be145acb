package io.messagestack.operator.database;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.messagestack.operator.backup.BackupJob;
import io.messagestack.operator.backup.BackupLayout;
import io.messagestack.operator.crd.PvcStorageSpec;
import io.messagestack.operator.crd.RestoreLocationSpec;
import io.messagestack.operator.crd.RestoreSpec;
import io.messagestack.operator.crd.S3StorageSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The init container {@value #CONTAINER} of a stack created with spec.database.restore: galera-agent restore (in the
 * database image, which has mariadb-backup and mbstream) fills ordinal 0's empty datadir from the backup; on the other
 * ordinals, and on ordinal 0 once restored, it does nothing and exits 0 (the agent decides, RestoreStep). Pure.
 */
public final class RestoreInit {
    public static final String CONTAINER = "restore";
    public static final String SOURCE_VOLUME = "restore-source";
    public static final String CA_VOLUME = "restore-ca";

    /** Where the backup is: its name, its folder in the storage, and the storage (one of s3 and pvc). */
    public record Source(String backup, String folder, S3StorageSpec s3, PvcStorageSpec pvc) {}

    private RestoreInit() {
    }

    /**
     * The source named by spec.database.restore.location (complete in the spec); empty for restore.backup, whose
     * location the reconciler reads from the MessageStackBackup (not built yet).
     */
    public static Optional<Source> fromLocation(RestoreSpec restore) {
        if (restore == null || restore.location == null) {
            return Optional.empty();
        }
        RestoreLocationSpec l = restore.location;
        String prefix = l.s3 != null ? BackupLayout.normalizePrefix("spec.database.restore.location.s3.prefix", l.s3.prefix) : "";
        String folder = prefix.isEmpty() ? l.path : prefix + "/" + l.path;
        String name = l.path.substring(l.path.lastIndexOf('/') + 1);
        return Optional.of(new Source(name, folder, l.s3, l.pvc));
    }

    /** A resolved source, or why there is none (the reason goes into RestoreFailed). */
    public record Resolution(Source source, String reason) {}

    /**
     * spec.database.restore.backup: the MessageStackBackup (null: not found) must be Completed; its location is in
     * its status, and the storage (endpoint, keys) is its stack's spec.backup.storage (null: the stack is gone).
     */
    public static Resolution resolve(RestoreSpec restore, io.messagestack.operator.crd.MessageStackBackup backup,
                                     io.messagestack.operator.crd.MessageStack backupStack) {
        Optional<Source> byLocation = fromLocation(restore);
        if (byLocation.isPresent()) {
            return new Resolution(byLocation.get(), null);
        }
        String name = restore.backup;
        if (backup == null) {
            return new Resolution(null, "MessageStackBackup " + name + " does not exist in this namespace");
        }
        var st = backup.getStatus();
        if (st == null || !"Completed".equals(st.phase) || st.location == null) {
            return new Resolution(null, "MessageStackBackup " + name + " is " + (st == null || st.phase == null
                    ? "not taken yet" : st.phase) + ", not Completed: only a complete backup is restored");
        }
        String stackName = backup.getSpec() == null ? null : backup.getSpec().stack;
        if (backupStack == null || backupStack.getSpec() == null || backupStack.getSpec().backup == null
                || backupStack.getSpec().backup.storage == null) {
            return new Resolution(null, "the storage of MessageStackBackup " + name + " is unknown: its stack "
                    + stackName + " no longer exists or has no spec.backup; restore it with spec.database.restore.location"
                    + " (" + st.location + ")");
        }
        var storage = backupStack.getSpec().backup.storage;
        String scheme = storage.s3 != null ? "s3://" + storage.s3.bucket + "/" : "pvc://" + (storage.pvc == null ? "" : storage.pvc.claimName) + "/";
        if (!st.location.startsWith(scheme) || !st.location.endsWith("/")) {
            return new Resolution(null, "MessageStackBackup " + name + " is at " + st.location + ", no longer in its stack's"
                    + " spec.backup.storage (" + scheme + "); restore it with spec.database.restore.location");
        }
        String folder = st.location.substring(scheme.length(), st.location.length() - 1);
        return new Resolution(new Source(name, folder, storage.s3, storage.pvc), null);
    }

    /**
     * What ordinal 0's restore init container says: Restoring while it runs, RestoreFailed with its termination
     * message when it exited non-zero (now or in its last attempt); empty once it succeeded or before it started.
     */
    public static Optional<String[]> progress(io.fabric8.kubernetes.api.model.Pod pod) {
        if (pod == null || pod.getStatus() == null || pod.getStatus().getInitContainerStatuses() == null) {
            return Optional.empty();
        }
        for (var cs : pod.getStatus().getInitContainerStatuses()) {
            if (!CONTAINER.equals(cs.getName())) {
                continue;
            }
            var now = cs.getState();
            var last = cs.getLastState();
            if (now != null && now.getTerminated() != null) {
                var t = now.getTerminated();
                return t.getExitCode() == 0 ? Optional.empty()
                        : Optional.of(new String[]{"RestoreFailed", failure(pod, t)});
            }
            if (last != null && last.getTerminated() != null && last.getTerminated().getExitCode() != 0) {
                return Optional.of(new String[]{"RestoreFailed", failure(pod, last.getTerminated())});
            }
            if (now != null && now.getRunning() != null) {
                return Optional.of(new String[]{"Restoring", "pod " + pod.getMetadata().getName()
                        + " is restoring its datadir from the backup (galera-agent restore)"});
            }
        }
        return Optional.empty();
    }

    private static String failure(io.fabric8.kubernetes.api.model.Pod pod,
                                  io.fabric8.kubernetes.api.model.ContainerStateTerminated t) {
        String msg = t.getMessage() == null ? "" : t.getMessage().strip();
        if (msg.length() > 1024) {
            msg = msg.substring(0, 1024);
        }
        return "the restore in pod " + pod.getMetadata().getName() + " exited " + t.getExitCode()
                + (msg.isEmpty() ? "" : ": " + msg) + "; nothing was written into its datadir";
    }

    /**
     * The init container; its volumes (the PVC read-only, the CA) are added to {@code volumes}. With
     * {@code pointInTime} (spec.database.restore.pointInTime) it also replays the archive of the backup's stack up to
     * that time (galera-agent/restore_pitr.go).
     */
    static Container container(Source source, String pointInTime, String engine, String image, Container database,
                               List<Volume> volumes) {
        List<EnvVar> env = new ArrayList<>();
        env.add(new EnvVarBuilder().withName("ENGINE").withValue(engine).build());
        env.add(new EnvVarBuilder().withName("POD_NAME").withNewValueFrom().withNewFieldRef()
                .withFieldPath("metadata.name").endFieldRef().endValueFrom().build());
        env.add(new EnvVarBuilder().withName("DATADIR").withValue(DatabaseCluster.DATA_DIR).build());
        env.add(new EnvVarBuilder().withName("BACKUP_NAME").withValue(source.backup()).build());
        env.add(new EnvVarBuilder().withName("BACKUP_FOLDER").withValue(source.folder()).build());
        env.add(new EnvVarBuilder().withName("TERMINATION_LOG").withValue("/dev/termination-log").build());
        if (pointInTime != null) {
            env.add(new EnvVarBuilder().withName("RESTORE_TIME").withValue(pointInTime).build());
            env.add(new EnvVarBuilder().withName("BINLOG_FOLDER")
                    .withValue(BackupLayout.binlogFolderOfBackup(source.folder())).build());
        }
        List<VolumeMount> mounts = new ArrayList<>();
        BackupJob.storageSettings(source.s3(), source.pvc(), CA_VOLUME, SOURCE_VOLUME, true, env, volumes, mounts);
        mounts.add(new io.fabric8.kubernetes.api.model.VolumeMountBuilder().withName(DatabaseCluster.DATA_VOLUME)
                .withMountPath(DatabaseCluster.DATA_DIR).build());
        mounts.add(new io.fabric8.kubernetes.api.model.VolumeMountBuilder().withName(DatabaseCluster.BIN_VOLUME)
                .withMountPath(DatabaseCluster.BIN_DIR).withReadOnly(true).build());
        return new ContainerBuilder()
                .withName(CONTAINER)
                .withImage(image)
                .withCommand(DatabaseCluster.AGENT_BINARY, "restore")
                // As the database container: it writes the datadir as the database's user; no privilege.
                .withSecurityContext(database.getSecurityContext())
                // mariadb-backup --prepare needs about the server's memory.
                .withResources(database.getResources())
                .withEnv(env)
                .withVolumeMounts(mounts)
                .withTerminationMessagePolicy("FallbackToLogsOnError")
                .build();
    }
}
