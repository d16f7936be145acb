package io.messagestack.operator.backup;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.messagestack.operator.common.Components;
import io.messagestack.operator.common.Labels;
import io.messagestack.operator.common.TestStacks;
import io.messagestack.operator.crd.BackupPosition;
import io.messagestack.operator.crd.BackupSpec;
import io.messagestack.operator.crd.BackupStorageSpec;
import io.messagestack.operator.crd.Engine;
import io.messagestack.operator.crd.MessageStackBackup;
import io.messagestack.operator.crd.MessageStackBackupSpec;
import io.messagestack.operator.crd.MessageStackBackupStatus;
import io.messagestack.operator.crd.MessageStackSpec;
import io.messagestack.operator.crd.PvcStorageSpec;
import io.messagestack.operator.crd.S3StorageSpec;
import io.messagestack.operator.crd.SecretRef;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackupJobTest {
    private static final BackupNodeChoice.Node NODE = new BackupNodeChoice.Node("shop-db-2", 2, true, "worker-3");

    static MessageStackSpec s3Spec() {
        MessageStackSpec spec = new MessageStackSpec();
        spec.database.engine = Engine.MARIADB_GALERA;
        spec.backup = new BackupSpec();
        spec.backup.storage = new BackupStorageSpec();
        spec.backup.storage.s3 = new S3StorageSpec();
        spec.backup.storage.s3.endpoint = "https://s3.example.com";
        spec.backup.storage.s3.bucket = "backups";
        spec.backup.storage.s3.prefix = "/team//a/";
        spec.backup.storage.s3.credentialsSecret = new SecretRef("s3-keys");
        return spec;
    }

    static MessageStackBackup backup(String name) {
        MessageStackBackup b = new MessageStackBackup();
        b.getMetadata().setName(name);
        b.getMetadata().setNamespace("prod");
        b.getMetadata().setUid("uid-1");
        b.setSpec(new MessageStackBackupSpec());
        b.getSpec().stack = "shop";
        return b;
    }

    private static Map<String, EnvVar> env(Container c) {
        return c.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
    }

    @Test
    void theJobRunsNextToTheChosenNodeWithItsVolumeReadOnly() {
        Job job = BackupJob.build(TestStacks.stack(s3Spec()), backup("nightly-1"), NODE);
        assertEquals("nightly-1-backup", job.getMetadata().getName());
        assertEquals("MessageStackBackup", job.getMetadata().getOwnerReferences().get(0).getKind());
        assertEquals(0, job.getSpec().getBackoffLimit(), "one attempt; a retry is a new backup");
        PodSpec pod = job.getSpec().getTemplate().getSpec();
        assertNull(pod.getNodeName(), "scheduled, so a WaitForFirstConsumer claim binds");
        var term = pod.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
                .getNodeSelectorTerms();
        assertEquals(1, term.size());
        var field = term.get(0).getMatchFields().get(0);
        assertEquals("metadata.name", field.getKey());
        assertEquals("In", field.getOperator());
        assertEquals(java.util.List.of("worker-3"), field.getValues());
        assertEquals("Never", pod.getRestartPolicy());
        assertEquals(Boolean.FALSE, pod.getAutomountServiceAccountToken(), "the Job needs no API access");
        var data = pod.getVolumes().stream().filter(v -> v.getName().equals("datadir")).findFirst().orElseThrow();
        assertEquals("datadir-shop-db-2", data.getPersistentVolumeClaim().getClaimName());
        assertTrue(data.getPersistentVolumeClaim().getReadOnly());
        assertNull(pod.getSecurityContext().getFsGroup(), "no fsGroup: no recursive chown of the database volume");
        Container main = pod.getContainers().get(0);
        assertEquals("/opt/messagestack/bin/galera-agent", main.getCommand().get(0));
        assertEquals("backup", main.getCommand().get(1));
        assertTrue(main.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/var/lib/mysql")
                && m.getReadOnly()));
        // The labels the database NetworkPolicy lets in on 3306.
        Labels.selector("shop", Components.BACKUP).forEach((k, v) ->
                assertEquals(v, job.getSpec().getTemplate().getMetadata().getLabels().get(k), k));
    }

    private static void assertRestricted(Container c) {
        var sc = c.getSecurityContext();
        assertEquals(Boolean.TRUE, sc.getRunAsNonRoot(), c.getName());
        assertEquals(Boolean.FALSE, sc.getAllowPrivilegeEscalation(), c.getName());
        assertEquals(java.util.List.of("ALL"), sc.getCapabilities().getDrop(), c.getName());
        assertTrue(sc.getCapabilities().getAdd() == null || sc.getCapabilities().getAdd().isEmpty(), c.getName());
        assertEquals("RuntimeDefault", sc.getSeccompProfile().getType(), c.getName());
    }

    @Test
    void everyContainerIsRestricted() {
        Job job = BackupJob.build(TestStacks.stack(s3Spec()), backup("b"), NODE);
        PodSpec pod = job.getSpec().getTemplate().getSpec();
        for (Container c : pod.getInitContainers()) {
            assertRestricted(c);
        }
        for (Container c : pod.getContainers()) {
            assertRestricted(c);
            assertEquals(999L, c.getSecurityContext().getRunAsUser(), "the mysql user of the MariaDB image");
            assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem());
        }
    }

    @Test
    void secretsComeOnlyFromSecretsAndTheEnvironmentSaysWhereToWrite() {
        Job job = BackupJob.build(TestStacks.stack(s3Spec()), backup("nightly-1"), NODE);
        Container main = job.getSpec().getTemplate().getSpec().getContainers().get(0);
        Map<String, EnvVar> env = env(main);
        for (String[] s : new String[][] {{"BACKUP_PASSWORD", "shop-db-credentials", "backup"},
                {"AWS_ACCESS_KEY_ID", "s3-keys", "AWS_ACCESS_KEY_ID"},
                {"AWS_SECRET_ACCESS_KEY", "s3-keys", "AWS_SECRET_ACCESS_KEY"}}) {
            assertNull(env.get(s[0]).getValue(), s[0] + " must not be in the Job spec");
            assertEquals(s[1], env.get(s[0]).getValueFrom().getSecretKeyRef().getName());
            assertEquals(s[2], env.get(s[0]).getValueFrom().getSecretKeyRef().getKey());
        }
        assertEquals("team/a/prod/shop/backups/nightly-1", env.get("BACKUP_FOLDER").getValue());
        assertEquals("shop-db-2.shop-db-peers.prod.svc.cluster.local", env.get("DB_HOST").getValue());
        assertEquals("shop-db-2", env.get("DB_POD").getValue());
        assertEquals("https://s3.example.com", env.get("S3_ENDPOINT").getValue());
        assertEquals("us-east-1", env.get("S3_REGION").getValue());
        assertEquals("true", env.get("S3_TLS_VERIFY").getValue());
        assertEquals("mariadb-galera", env.get("ENGINE").getValue());
        assertFalse(env.containsKey("BACKUP_DIR"));
        assertFalse(String.join(" ", main.getCommand()).contains("password"), "nothing secret on the command line");
        assertEquals("s3://backups/team/a/prod/shop/backups/nightly-1/",
                BackupJob.location(TestStacks.stack(s3Spec()), "nightly-1"));
    }

    @Test
    void aCaSecretIsMountedAndNamed() {
        MessageStackSpec spec = s3Spec();
        spec.backup.storage.s3.tls.caSecret = new SecretRef("my-ca");
        Job job = BackupJob.build(TestStacks.stack(spec), backup("b"), NODE);
        PodSpec pod = job.getSpec().getTemplate().getSpec();
        assertTrue(pod.getVolumes().stream().anyMatch(v -> v.getSecret() != null
                && v.getSecret().getSecretName().equals("my-ca")));
        assertEquals("/etc/messagestack/backup-ca/ca.crt", env(pod.getContainers().get(0)).get("S3_CA_FILE").getValue());
    }

    /** spec.backup to the volume "backup-volume" instead of S3. */
    private static MessageStackSpec pvcSpec() {
        MessageStackSpec spec = s3Spec();
        spec.backup.storage.s3 = null;
        spec.backup.storage.pvc = new PvcStorageSpec();
        spec.backup.storage.pvc.claimName = "backup-volume";
        return spec;
    }

    @Test
    void thePvcTargetIsMountedAndNoS3SettingIsGiven() {
        MessageStackSpec spec = pvcSpec();
        Job job = BackupJob.build(TestStacks.stack(spec), backup("b"), NODE);
        PodSpec pod = job.getSpec().getTemplate().getSpec();
        Map<String, EnvVar> env = env(pod.getContainers().get(0));
        assertEquals("/backups", env.get("BACKUP_DIR").getValue());
        assertFalse(env.containsKey("S3_ENDPOINT"));
        assertFalse(env.containsKey("AWS_SECRET_ACCESS_KEY"));
        assertEquals("prod/shop/backups/b", env.get("BACKUP_FOLDER").getValue());
        assertTrue(pod.getVolumes().stream().anyMatch(v -> v.getPersistentVolumeClaim() != null
                && v.getPersistentVolumeClaim().getClaimName().equals("backup-volume")));
        assertEquals("pvc://backup-volume/prod/shop/backups/b/", BackupJob.location(TestStacks.stack(spec), "b"));
    }

    @Test
    void theDeleteJobHasOnlyTheStorageNoDatabase() {
        Job job = BackupJob.build(TestStacks.stack(s3Spec()), backup("old"), NODE);
        Job delete = BackupJob.buildDelete(TestStacks.stack(s3Spec()), backup("old"), List.of());
        assertEquals("old-delete", delete.getMetadata().getName());
        PodSpec pod = delete.getSpec().getTemplate().getSpec();
        Container c = pod.getContainers().get(0);
        assertEquals(List.of("/usr/local/bin/galera-agent", "backup-delete"), c.getCommand());
        assertRestricted(c);
        Map<String, EnvVar> env = env(c);
        assertEquals(env(job.getSpec().getTemplate().getSpec().getContainers().get(0)).get("BACKUP_FOLDER").getValue(),
                env.get("BACKUP_FOLDER").getValue(), "the same folder the backup was written to");
        assertEquals("s3-keys", env.get("AWS_SECRET_ACCESS_KEY").getValueFrom().getSecretKeyRef().getName());
        assertFalse(env.containsKey("BACKUP_PASSWORD"), "no database login");
        assertTrue(pod.getVolumes().stream().noneMatch(v -> v.getPersistentVolumeClaim() != null),
                "no data volume");
        assertEquals("MessageStackBackup", delete.getMetadata().getOwnerReferences().get(0).getKind());
    }

    private static final String UUID_A = "6b4f1a2e-0000-11ef-8000-0a580a000001";

    static MessageStackBackup withStatus(String name, String phase, BackupPosition position) {
        MessageStackBackup b = backup(name);
        b.setStatus(new MessageStackBackupStatus());
        b.getStatus().phase = phase;
        b.getStatus().position = position;
        return b;
    }

    @Test
    void theDeleteJobGetsTheKeptCompleteBackupsPositionsAndTheArchiveFolder() {
        List<MessageStackBackup> backups = List.of(
                withStatus("old", MessageStackBackupStatus.COMPLETED, new BackupPosition(UUID_A, 5L, "1-1-5")),
                withStatus("older", MessageStackBackupStatus.COMPLETED, new BackupPosition(UUID_A, 2L, "1-1-2")),
                withStatus("mid", MessageStackBackupStatus.COMPLETED, new BackupPosition(UUID_A, 20L, "0-1-3,1-1-20")),
                withStatus("legacy", MessageStackBackupStatus.COMPLETED, null),
                withStatus("running", MessageStackBackupStatus.RUNNING, null),
                withStatus("broken", MessageStackBackupStatus.FAILED, new BackupPosition(UUID_A, 1L, "1-1-1")),
                backup("new"));
        var kept = BackupJob.keptBackups(backups, List.of("old", "older"));
        // Being deleted, running, failed or without a status: not kept. Without a position: kept with nulls, so the
        // agent prunes nothing (it cannot know which history that backup needs).
        assertEquals(List.of(new BackupJob.KeptBackup("legacy", null, null),
                new BackupJob.KeptBackup("mid", UUID_A, "0-1-3,1-1-20")), kept);

        var stack = TestStacks.stack(s3Spec());
        Map<String, EnvVar> env = env(BackupJob.buildDelete(stack, backups.get(0), kept)
                .getSpec().getTemplate().getSpec().getContainers().get(0));
        assertEquals("[{\"backup\":\"legacy\",\"galeraUuid\":null,\"gtid\":null},"
                + "{\"backup\":\"mid\",\"galeraUuid\":\"" + UUID_A + "\",\"gtid\":\"0-1-3,1-1-20\"}]",
                env.get(BackupJob.KEPT_BACKUPS_ENV).getValue());
        Map<String, EnvVar> archiver = env(BinlogArchiver.build(stack, 0).getSpec().getTemplate().getSpec().getContainers()
                .stream().filter(c -> c.getEnv().stream().anyMatch(e -> e.getName().equals("BINLOG_FOLDER"))).findFirst().orElseThrow());
        assertEquals("team/a/prod/shop/binlogs", env.get("BINLOG_FOLDER").getValue());
        assertEquals(archiver.get("BINLOG_FOLDER").getValue(), env.get("BINLOG_FOLDER").getValue(), "the folder the archiver writes");
        assertFalse(env.containsKey("BINLOG_DIR"), "S3: the archive is in the bucket");
        assertEquals("[]", env(BackupJob.buildDelete(stack, backups.get(0), List.of())
                .getSpec().getTemplate().getSpec().getContainers().get(0)).get(BackupJob.KEPT_BACKUPS_ENV).getValue());
    }

    @Test
    void theDeleteJobOnTheVolumeFindsTheArchiveWhereTheArchiverWritesIt() {
        MessageStackSpec spec = pvcSpec();
        var stack = TestStacks.stack(spec);
        Map<String, EnvVar> env = env(BackupJob.buildDelete(stack, backup("old"), List.of())
                .getSpec().getTemplate().getSpec().getContainers().get(0));
        Map<String, EnvVar> archiver = env(BinlogArchiver.build(stack, 0).getSpec().getTemplate().getSpec().getContainers()
                .stream().filter(c -> c.getEnv().stream().anyMatch(e -> e.getName().equals("BINLOG_DIR"))).findFirst().orElseThrow());
        assertEquals("/backups", env.get("BINLOG_DIR").getValue());
        assertEquals(archiver.get("BINLOG_DIR").getValue(), env.get("BINLOG_DIR").getValue());
        assertEquals(archiver.get("BINLOG_FOLDER").getValue(), env.get("BINLOG_FOLDER").getValue());
        assertEquals("prod/shop/binlogs", env.get("BINLOG_FOLDER").getValue());
    }

    private static io.fabric8.kubernetes.api.model.Pod pod(String state) {
        var cs = new io.fabric8.kubernetes.api.model.ContainerStatusBuilder().withName("backup");
        switch (state) {
            case "running" -> cs.withNewState().withNewRunning().endRunning().endState();
            case "terminated" -> cs.withNewState().withNewTerminated().withExitCode(1).endTerminated().endState();
            default -> cs.withNewState().withNewWaiting().withReason(state).withMessage("x").endWaiting().endState();
        }
        return new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata().withName("b-backup-x").endMetadata()
                .withNewStatus().withPhase("Pending").withContainerStatuses(cs.build()).endStatus().build();
    }

    @Test
    void aPodThatNeverStartsIsGivenUpAfterTenMinutesWithItsReason() {
        java.time.Instant created = java.time.Instant.parse("2026-12-06T03:00:00Z");
        java.time.Instant early = created.plusSeconds(9 * 60);
        java.time.Instant late = created.plusSeconds(11 * 60);
        assertTrue(BackupJob.stuck(pod("ContainerCreating"), created, early).isEmpty(), "may still start");
        assertTrue(BackupJob.stuck(pod("running"), created, late).isEmpty(), "a running backup is never stuck");
        assertTrue(BackupJob.stuck(pod("terminated"), created, late).isEmpty(), "an ended one is the Job's business");
        String why = BackupJob.stuck(pod("ContainerCreating"), created, late).orElseThrow();
        assertTrue(why.contains("ContainerCreating") && why.contains("did not start"), why);
        assertTrue(BackupJob.stuck(null, created, late).orElseThrow().contains("no pod"));
    }

    @Test
    void jobNamesFitALabelAndStayDistinct() {
        String a = BackupJob.jobName("x".repeat(200) + "a");
        String b = BackupJob.jobName("x".repeat(200) + "b");
        assertTrue(a.length() <= 63, a);
        assertFalse(a.equals(b));
        assertEquals("shop-20261206-0300-backup", BackupJob.jobName("shop-20261206-0300"));
    }
}
