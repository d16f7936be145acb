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

    /** The init container; its volumes (the PVC read-only, the CA) are added to {@code volumes}. */
    static Container container(Source source, String engine, String image, Container database, List<Volume> volumes) {
        List<EnvVar> env = new ArrayList<>();
        env.add(new EnvVarBuilder().withName("ENGINE").withValue(engine).build());
        env.add(new EnvVarBuilder().withName("POD_NAME").withNewValueFrom().withNewFieldRef()
                .withFieldPath("metadata.name").endFieldRef().endValueFrom().build());
        env.add(new EnvVarBuilder().withName("DATADIR").withValue(DatabaseCluster.DATA_DIR).build());
        env.add(new EnvVarBuilder().withName("BACKUP_NAME").withValue(source.backup()).build());
        env.add(new EnvVarBuilder().withName("BACKUP_FOLDER").withValue(source.folder()).build());
        env.add(new EnvVarBuilder().withName("TERMINATION_LOG").withValue("/dev/termination-log").build());
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
