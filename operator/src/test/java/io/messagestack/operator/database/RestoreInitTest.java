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
    void aPointInTimeIsReplayedFromTheArchiveOfTheBackupsStack() {
        MessageStackSpec spec = withLocation(s3("team-a"));
        assertNull(env(pod(spec).getInitContainers().get(1)).get("RESTORE_TIME"), "no point in time: the whole backup");
        spec.database.restore.pointInTime = "2026-12-06T14:30:00Z";
        Map<String, EnvVar> env = env(pod(spec).getInitContainers().get(1));
        assertEquals("2026-12-06T14:30:00Z", env.get("RESTORE_TIME").getValue());
        assertEquals("team-a/shop/demo/binlogs", env.get("BINLOG_FOLDER").getValue());
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

    private static io.messagestack.operator.crd.MessageStackBackup backup(String phase, String location) {
        var b = new io.messagestack.operator.crd.MessageStackBackup();
        b.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("first").build());
        b.setSpec(new io.messagestack.operator.crd.MessageStackBackupSpec());
        b.getSpec().stack = "demo";
        b.setStatus(new io.messagestack.operator.crd.MessageStackBackupStatus());
        b.getStatus().phase = phase;
        b.getStatus().location = location;
        return b;
    }

    private static io.messagestack.operator.crd.MessageStack sourceStack() {
        var m = new io.messagestack.operator.crd.MessageStack();
        m.setSpec(new MessageStackSpec());
        m.getSpec().backup = new io.messagestack.operator.crd.BackupSpec();
        m.getSpec().backup.storage = new io.messagestack.operator.crd.BackupStorageSpec();
        m.getSpec().backup.storage.s3 = s3("team-a").s3;
        return m;
    }

    @Test
    void aBackupByNameIsResolvedFromItsStatusAndItsStacksStorage() {
        RestoreSpec r = new RestoreSpec();
        r.backup = "first";
        String loc = "s3://messagestack-backups/team-a/shop/demo/backups/first/";
        var ok = RestoreInit.resolve(r, backup("Completed", loc), sourceStack());
        assertNull(ok.reason());
        assertEquals("team-a/shop/demo/backups/first", ok.source().folder());
        assertEquals("first", ok.source().backup());
        assertEquals("backup-s3", ok.source().s3().credentialsSecret.name);
        String[][] refusals = {
            {"missing", "does not exist"}, {"running", "Running, not Completed"}, {"stack gone", "no longer exists"},
            {"moved", "no longer in its stack's"}};
        assertTrue(RestoreInit.resolve(r, null, sourceStack()).reason().contains(refusals[0][1]));
        assertTrue(RestoreInit.resolve(r, backup("Running", null), sourceStack()).reason().contains(refusals[1][1]));
        assertTrue(RestoreInit.resolve(r, backup("Completed", loc), null).reason().contains(refusals[2][1]));
        assertTrue(RestoreInit.resolve(r, backup("Completed", "s3://other-bucket/x/"), sourceStack()).reason()
                .contains(refusals[3][1]));
    }

    private static io.fabric8.kubernetes.api.model.Pod pod0(io.fabric8.kubernetes.api.model.ContainerState now,
                                                           io.fabric8.kubernetes.api.model.ContainerState last) {
        return new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata().withName("shop-db-0").endMetadata()
                .withNewStatus().addNewInitContainerStatus().withName(RestoreInit.CONTAINER).withState(now)
                .withLastState(last).endInitContainerStatus().endStatus().build();
    }

    @Test
    void progressFromTheInitContainer() {
        var running = new io.fabric8.kubernetes.api.model.ContainerStateBuilder().withNewRunning().endRunning().build();
        var failed = new io.fabric8.kubernetes.api.model.ContainerStateBuilder().withNewTerminated().withExitCode(1)
                .withMessage("{\"error\":\"the data object does not match the manifest\"}").endTerminated().build();
        var done = new io.fabric8.kubernetes.api.model.ContainerStateBuilder().withNewTerminated().withExitCode(0)
                .endTerminated().build();
        var waiting = new io.fabric8.kubernetes.api.model.ContainerStateBuilder().withNewWaiting()
                .withReason("CrashLoopBackOff").endWaiting().build();
        assertEquals("Restoring", RestoreInit.progress(pod0(running, null)).orElseThrow()[0]);
        String[] f = RestoreInit.progress(pod0(failed, null)).orElseThrow();
        assertEquals("RestoreFailed", f[0]);
        assertTrue(f[1].contains("does not match the manifest"), f[1]);
        assertEquals("RestoreFailed", RestoreInit.progress(pod0(waiting, failed)).orElseThrow()[0], "back-off after a failure");
        assertTrue(RestoreInit.progress(pod0(done, null)).isEmpty());
        assertTrue(RestoreInit.progress(null).isEmpty());
    }
}
