package io.messagestack.operator.backup;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.messagestack.operator.common.Components;
import io.messagestack.operator.common.Labels;
import io.messagestack.operator.common.TestStacks;
import io.messagestack.operator.crd.MessageStackSpec;
import io.messagestack.operator.crd.PvcStorageSpec;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BinlogArchiverTest {
    private static Map<String, EnvVar> env(Container c) {
        return c.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
    }

    private static Container archiver(Deployment d) {
        return d.getSpec().getTemplate().getSpec().getContainers().get(0);
    }

    @Test
    void oneArchiverFollowsTheChosenNodeByItsStableNameAndWritesNextToTheBackups() {
        MessageStackSpec spec = BackupJobTest.s3Spec();
        spec.backup.pointInTimeRecovery.enabled = true;
        Deployment d = BinlogArchiver.build(TestStacks.stack(spec), 2);
        assertEquals("shop-binlog-archiver", d.getMetadata().getName());
        assertEquals(1, d.getSpec().getReplicas());
        assertEquals("Recreate", d.getSpec().getStrategy().getType(), "never two archivers at once");
        assertEquals(Components.BINLOG_ARCHIVER, d.getSpec().getTemplate().getMetadata().getLabels().get(Labels.COMPONENT));
        Container c = archiver(d);
        assertEquals(java.util.List.of("/opt/messagestack/bin/galera-agent", "binlog-archive"), c.getCommand());
        Map<String, EnvVar> env = env(c);
        assertEquals("shop-db-2", env.get("DB_POD").getValue());
        assertEquals("shop-db-2.shop-db-peers.prod.svc.cluster.local", env.get("DB_HOST").getValue());
        assertEquals("team/a/prod/shop/binlogs", env.get("BINLOG_FOLDER").getValue());
        assertEquals(":9201", env.get("STATUS_ADDR").getValue());
        assertEquals("binlog", env.get("BINLOG_USER").getValue());
        assertEquals(Optional.of("shop-db-2"), BinlogArchiver.followedPod(d));
        // Credentials only as references to Secrets, never as values or arguments.
        assertNull(env.get("BINLOG_PASSWORD").getValue());
        assertEquals("shop-db-credentials", env.get("BINLOG_PASSWORD").getValueFrom().getSecretKeyRef().getName());
        assertEquals("binlog", env.get("BINLOG_PASSWORD").getValueFrom().getSecretKeyRef().getKey());
        assertEquals("s3-keys", env.get("AWS_SECRET_ACCESS_KEY").getValueFrom().getSecretKeyRef().getName());
        assertNull(env.get("AWS_SECRET_ACCESS_KEY").getValue());
        assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem());
        assertFalse(d.getSpec().getTemplate().getSpec().getAutomountServiceAccountToken());
        assertTrue(c.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/staging") && !m.getReadOnly()));
    }

    @Test
    void onAVolumeTheArchiveIsOnTheBackupsClaim() {
        MessageStackSpec spec = BackupJobTest.s3Spec();
        spec.backup.storage.s3 = null;
        spec.backup.storage.pvc = new PvcStorageSpec();
        spec.backup.storage.pvc.claimName = "backups";
        Deployment d = BinlogArchiver.build(TestStacks.stack(spec), 0);
        Map<String, EnvVar> env = env(archiver(d));
        assertEquals("/backups", env.get("BINLOG_DIR").getValue());
        assertEquals("prod/shop/binlogs", env.get("BINLOG_FOLDER").getValue());
        assertTrue(d.getSpec().getTemplate().getSpec().getVolumes().stream().anyMatch(v ->
                v.getPersistentVolumeClaim() != null && v.getPersistentVolumeClaim().getClaimName().equals("backups")));
    }

    @Test
    void noArchiverNoFollowedPod() {
        assertEquals(Optional.empty(), BinlogArchiver.followedPod(null));
    }
}
