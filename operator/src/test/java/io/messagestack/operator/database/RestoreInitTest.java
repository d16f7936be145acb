package io.messagestack.operator.database;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.messagestack.operator.common.TestStacks;
import io.messagestack.operator.crd.Engine;
import io.messagestack.operator.crd.MessageStackSpec;
import io.messagestack.operator.crd.PvcStorageSpec;
import io.messagestack.operator.crd.RestoreLocationSpec;
import io.messagestack.operator.crd.RestoreSpec;
import io.messagestack.operator.crd.S3StorageSpec;
import io.messagestack.operator.crd.SecretRef;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RestoreInitTest {
    private static PodSpec pod(MessageStackSpec spec) {
        return new DatabaseCluster(TestStacks.stack(spec), "#!/bin/bash\n", spec.database.replicas).statefulSet()
                .getSpec().getTemplate().getSpec();
    }

    private static MessageStackSpec withLocation(RestoreLocationSpec l) {
        MessageStackSpec spec = new MessageStackSpec();
        spec.database.engine = Engine.MARIADB_GALERA;
        spec.database.restore = new RestoreSpec();
        spec.database.restore.location = l;
        return spec;
    }

    private static RestoreLocationSpec s3(String prefix) {
        RestoreLocationSpec l = new RestoreLocationSpec();
        l.s3 = new S3StorageSpec();
        l.s3.endpoint = "http://objectstore.messagestack-objectstore.svc:7070";
        l.s3.bucket = "messagestack-backups";
        l.s3.prefix = prefix;
        l.s3.credentialsSecret = new SecretRef("backup-s3");
        l.path = "shop/demo/backups/demo-before-migration";
        return l;
    }

    private static Map<String, EnvVar> env(Container c) {
        return c.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
    }

    @Test
    void noRestoreNoInitContainer() {
        MessageStackSpec spec = new MessageStackSpec();
        spec.database.engine = Engine.MARIADB_GALERA;
        assertEquals(1, pod(spec).getInitContainers().size());
    }

    @Test
    void s3LocationRendersTheRestoreInitContainerAfterTheInstall() {
        PodSpec pod = pod(withLocation(s3("team-a//prod/")));
        assertEquals(2, pod.getInitContainers().size());
        assertEquals("install-galera-agent", pod.getInitContainers().get(0).getName());
        Container c = pod.getInitContainers().get(1);
        assertEquals(RestoreInit.CONTAINER, c.getName());
        Container db = pod.getContainers().get(0);
        assertEquals(db.getImage(), c.getImage(), "the database image (mariadb-backup, mbstream)");
        assertEquals(java.util.List.of(DatabaseCluster.AGENT_BINARY, "restore"), c.getCommand());
        assertEquals(db.getSecurityContext(), c.getSecurityContext());
        assertFalse(c.getSecurityContext().getAllowPrivilegeEscalation());
        Map<String, EnvVar> env = env(c);
        assertEquals("demo-before-migration", env.get("BACKUP_NAME").getValue());
        assertEquals("team-a/prod/shop/demo/backups/demo-before-migration", env.get("BACKUP_FOLDER").getValue());
        assertEquals("mariadb-galera", env.get("ENGINE").getValue());
        assertEquals("metadata.name", env.get("POD_NAME").getValueFrom().getFieldRef().getFieldPath());
        assertEquals("messagestack-backups", env.get("S3_BUCKET").getValue());
        for (String key : new String[]{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}) {
            assertNull(env.get(key).getValue(), key + " only by reference");
            assertEquals("backup-s3", env.get(key).getValueFrom().getSecretKeyRef().getName());
        }
        assertTrue(c.getVolumeMounts().stream().anyMatch(m -> m.getName().equals(DatabaseCluster.DATA_VOLUME)
                && m.getMountPath().equals(DatabaseCluster.DATA_DIR)));
        // No secret on any command line.
        assertTrue(c.getCommand().stream().noneMatch(a -> a.contains("AWS") || a.contains("secret")));
    }

    @Test
    void pvcLocationIsMountedReadOnly() {
        RestoreLocationSpec l = new RestoreLocationSpec();
        l.pvc = new PvcStorageSpec();
        l.pvc.claimName = "backups";
        l.path = "shop/demo/backups/b1";
        PodSpec pod = pod(withLocation(l));
        Container c = pod.getInitContainers().get(1);
        assertEquals(io.messagestack.operator.backup.BackupJob.VOLUME_TARGET_DIR, env(c).get("BACKUP_DIR").getValue());
        assertEquals("shop/demo/backups/b1", env(c).get("BACKUP_FOLDER").getValue());
        assertTrue(c.getVolumeMounts().stream().anyMatch(m -> m.getName().equals(RestoreInit.SOURCE_VOLUME) && m.getReadOnly()));
        assertTrue(pod.getVolumes().stream().anyMatch(v -> v.getName().equals(RestoreInit.SOURCE_VOLUME)
                && "backups".equals(v.getPersistentVolumeClaim().getClaimName()) && v.getPersistentVolumeClaim().getReadOnly()));
    }

    @Test
    void aBackupByNameIsNotRenderedFromTheSpecAlone() {
        MessageStackSpec spec = new MessageStackSpec();
        spec.database.engine = Engine.MARIADB_GALERA;
        spec.database.restore = new RestoreSpec();
        spec.database.restore.backup = "demo-before-migration";
        assertTrue(RestoreInit.fromLocation(spec.database.restore).isEmpty());
    }
}
