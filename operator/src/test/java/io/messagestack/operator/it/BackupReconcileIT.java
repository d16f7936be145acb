package io.messagestack.operator.it;

import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.messagestack.operator.common.Components;
import io.messagestack.operator.common.Labels;
import io.messagestack.operator.crd.MessageStack;
import io.messagestack.operator.crd.MessageStackBackup;
import io.messagestack.operator.crd.MessageStackBackupStatus;
import io.messagestack.operator.reconcile.Conditions;
import io.messagestack.operator.reconcile.MessageStackBackupReconciler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The MessageStackBackup controller against a real kube-apiserver. No kubelet and no Job controller run here, so the
 * test plays them: it creates the database pods (Ready, on a node), and when the operator has created the backup Job
 * it writes the Job's outcome and the backup pod's termination message as Kubernetes would.
 */
class BackupReconcileIT {
    private static LocalApiServer apiServer;
    static KubernetesClient client;
    private static Operator operator;
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String S3 = "backup:\n  storage:\n    s3:\n"
            + "      endpoint: http://objectstore.messagestack-objectstore.svc:7070\n"
            + "      bucket: messagestack-backups\n      credentialsSecret:\n        name: backup-s3\n";

    @BeforeAll
    static void startOperator() throws Exception {
        apiServer = LocalApiServer.start();
        client = apiServer.client();
        KubeApi.installCrd(client);
        operator = new Operator(o -> o.withKubernetesClient(client).withCloseClientOnStop(false));
        operator.register(new MessageStackBackupReconciler());
        // The stack's reconciler too: it applies retention (and would create scheduled backups).
        operator.register(new io.messagestack.operator.reconcile.MessageStackReconciler());
        operator.start();
    }

    @AfterAll
    static void stopOperator() {
        if (operator != null) {
            operator.stop();
        }
        if (apiServer != null) {
            apiServer.close();
        }
    }

    private static void stack(String ns, String name, String spec) {
        KubeApi.namespace(client, ns);
        client.resource("apiVersion: messagestack.io/v1alpha1\nkind: MessageStack\nmetadata:\n  name: " + name
                + "\nspec:\n" + ("database:\n  engine: mariadb-galera\n" + spec).indent(2)).inNamespace(ns).create();
    }

    /** A database pod as the StatefulSet and the scheduler would leave it: on a node, Ready or not. */
    private static void dbPod(String ns, String stack, int ordinal, boolean ready) {
        Pod pod = client.resource(new PodBuilder().withNewMetadata().withName(stack + "-db-" + ordinal)
                .withNamespace(ns).withLabels(Labels.of(stack, Components.DATABASE)).endMetadata()
                .withNewSpec().withNodeName("worker-" + ordinal).addNewContainer().withName("database")
                .withImage("mariadb").endContainer().endSpec().build()).create();
        pod.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Running")
                .withConditions(new PodConditionBuilder().withType("Ready").withStatus(ready ? "True" : "False")
                        .build()).build());
        client.resource(pod).updateStatus();
    }

    private static void backup(String ns, String name, String stack) {
        client.resource("apiVersion: messagestack.io/v1alpha1\nkind: MessageStackBackup\nmetadata:\n  name: " + name
                + "\nspec:\n  stack: " + stack + "\n").inNamespace(ns).create();
    }

    private static MessageStackBackup awaitBackup(String ns, String name, Predicate<MessageStackBackupStatus> ok) {
        return awaitBackup(ns, name, ok, WAIT);
    }

    private static MessageStackBackup awaitBackup(String ns, String name, Predicate<MessageStackBackupStatus> ok,
                                                  Duration wait) {
        return KubeApi.await("status of " + name, wait, () -> {
            MessageStackBackup b = client.resources(MessageStackBackup.class).inNamespace(ns).withName(name).get();
            return b != null && b.getStatus() != null && ok.test(b.getStatus()) ? b : null;
        });
    }

    /** What the Job controller and the kubelet would write when the backup container ends. */
    private static void finishJob(String ns, Job job, boolean succeeded, String terminationMessage) {
        Pod pod = client.resource(new PodBuilder().withNewMetadata().withName(job.getMetadata().getName() + "-x1")
                .withNamespace(ns).addToLabels("job-name", job.getMetadata().getName()).endMetadata()
                .withNewSpec().withNodeName("worker-2").addNewContainer().withName("backup").withImage("mariadb")
                .endContainer().endSpec().build()).create();
        pod.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase(succeeded ? "Succeeded" : "Failed")
                .withContainerStatuses(new ContainerStatusBuilder().withName("backup").withImage("mariadb")
                        .withImageID("").withReady(false).withRestartCount(0)
                        .withState(new ContainerStateBuilder().withNewTerminated().withExitCode(succeeded ? 0 : 1)
                                .withMessage(terminationMessage).endTerminated().build()).build()).build());
        client.resource(pod).updateStatus();
        Job current = client.batch().v1().jobs().inNamespace(ns).withName(job.getMetadata().getName()).get();
        String now = Instant.now().toString();
        var status = new io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder().withStartTime(now);
        if (succeeded) {
            status.withSucceeded(1).withCompletionTime(now)
                    .addNewCondition().withType("SuccessCriteriaMet").withStatus("True").endCondition()
                    .addNewCondition().withType("Complete").withStatus("True").endCondition();
        } else {
            status.withFailed(1)
                    .addNewCondition().withType("FailureTarget").withStatus("True").withReason("BackoffLimitExceeded")
                    .endCondition()
                    .addNewCondition().withType("Failed").withStatus("True").withReason("BackoffLimitExceeded")
                    .withMessage("Job has reached the specified backoff limit").endCondition();
        }
        current.setStatus(status.build());
        client.resource(current).updateStatus();
    }

    private static String successLine(String backupName) throws Exception {
        String manifest;
        try (var in = BackupReconcileIT.class.getResourceAsStream("/backup/manifest-v1.json")) {
            manifest = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        manifest = manifest.replace("demo-20261206-0300", backupName).replace("\n", "");
        return "{\"location\":\"s3://messagestack-backups/x/\",\"manifest\":" + manifest + "}";
    }

    @Test
    void aBackupRunsOnANonWriterNodeAndItsResultFillsTheStatus() throws Exception {
        stack("bk", "shop", S3);
        dbPod("bk", "shop", 0, true);
        dbPod("bk", "shop", 1, true);
        dbPod("bk", "shop", 2, true);
        backup("bk", "first", "shop");
        MessageStackBackup running = awaitBackup("bk", "first", s -> "Running".equals(s.phase));
        assertEquals("shop-db-2", running.getStatus().node, "the highest-ordinal Ready node, not the writer (0)");
        assertEquals("s3://messagestack-backups/bk/shop/backups/first/", running.getStatus().location);
        Job job = KubeApi.await("the backup Job", WAIT,
                () -> client.batch().v1().jobs().inNamespace("bk").withName("first-backup").get());
        // Placed by the scheduler next to db-2 (a required node affinity on the node's name), not pinned.
        assertEquals(java.util.List.of("worker-2"), job.getSpec().getTemplate().getSpec().getAffinity().getNodeAffinity()
                .getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms().get(0).getMatchFields().get(0)
                .getValues());
        assertEquals("datadir-shop-db-2", job.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getPersistentVolumeClaim() != null).findFirst().orElseThrow()
                .getPersistentVolumeClaim().getClaimName());
        assertEquals(running.getMetadata().getUid(), job.getMetadata().getOwnerReferences().get(0).getUid());

        // A second backup of the same stack waits for the first.
        backup("bk", "second", "shop");
        MessageStackBackup waiting = awaitBackup("bk", "second", s -> "Pending".equals(s.phase));
        assertTrue(waiting.getStatus().reason.contains("first"), waiting.getStatus().reason);
        assertNull(client.batch().v1().jobs().inNamespace("bk").withName("second-backup").get());

        finishJob("bk", job, true, successLine("first"));
        MessageStackBackup done = awaitBackup("bk", "first", s -> "Completed".equals(s.phase));
        assertEquals(7340032L, done.getStatus().size);
        assertEquals(48213L, done.getStatus().position.galeraSeqno);
        assertEquals("0-1-48213", done.getStatus().position.gtid);
        assertEquals("69a5882d-e8dd-11f1-a129-7fb5ec1daa7b", done.getStatus().position.galeraUuid);
        assertNull(done.getStatus().reason);
        MessageStack afterSuccess = awaitStack("bk", "shop", st -> st.backup != null
                && "first".equals(st.backup.lastSuccessfulBackup));
        assertEquals("BackupSucceeded", Conditions.find(afterSuccess.getStatus().conditions,
                Conditions.BACKUP_FAILING).getReason());

        // Its turn now: a Pending backup looks again every 30 s (it was Pending a moment before the first finished,
        // so its next look is up to 30 s from now plus the reconcile itself; a 30 s wait lost that race by 0.4 s).
        MessageStackBackup second = awaitBackup("bk", "second", s -> "Running".equals(s.phase), Duration.ofSeconds(45));
        Job secondJob = KubeApi.await("the second Job", WAIT,
                () -> client.batch().v1().jobs().inNamespace("bk").withName("second-backup").get());
        finishJob("bk", secondJob, false, "{\"error\":\"bucket messagestack-backups at http://x: 403 Forbidden\"}");
        MessageStackBackup failed = awaitBackup("bk", "second", s -> "Failed".equals(s.phase));
        assertTrue(failed.getStatus().reason.contains("403 Forbidden"), failed.getStatus().reason);
        assertEquals("shop-db-2", second.getStatus().node);

        // The stack says so: BackupFailing with the reason, the last success still named, and a Warning event.
        MessageStack failing = awaitStack("bk", "shop", st -> Conditions.isTrue(st.conditions, Conditions.BACKUP_FAILING));
        String message = Conditions.find(failing.getStatus().conditions, Conditions.BACKUP_FAILING).getMessage();
        assertTrue(message.contains("backup second failed") && message.contains("403 Forbidden")
                && message.contains("the last successful backup is first"), message);
        assertEquals("first", failing.getStatus().backup.lastSuccessfulBackup);
        KubeApi.await("a BackupFailing event on the stack", WAIT, () -> client.v1().events().inNamespace("bk").list()
                .getItems().stream().filter(e -> "BackupFailing".equals(e.getReason())
                        && "shop".equals(e.getInvolvedObject().getName())).findFirst().orElse(null));
    }

    private static MessageStack awaitStack(String ns, String name,
                                           Predicate<io.messagestack.operator.crd.MessageStackStatus> test) {
        return KubeApi.await("stack " + ns + "/" + name + " status", WAIT, () -> {
            MessageStack st = client.resources(MessageStack.class).inNamespace(ns).withName(name).get();
            return st != null && st.getStatus() != null && test.test(st.getStatus()) ? st : null;
        });
    }

    @Test
    void withoutStorageOrASyncedNonWriterNodeNothingRuns() {
        stack("nostorage", "shop", "");
        backup("nostorage", "b", "shop");
        MessageStackBackup failed = awaitBackup("nostorage", "b", s -> "Failed".equals(s.phase));
        assertTrue(failed.getStatus().reason.contains("spec.backup"), failed.getStatus().reason);

        backup("nostorage", "nostack", "other");
        assertTrue(awaitBackup("nostorage", "nostack", s -> "Failed".equals(s.phase)).getStatus().reason
                .contains("does not exist"));

        stack("onlywriter", "shop", S3);
        dbPod("onlywriter", "shop", 0, true);
        dbPod("onlywriter", "shop", 1, false);
        dbPod("onlywriter", "shop", 2, false);
        backup("onlywriter", "b", "shop");
        MessageStackBackup pending = awaitBackup("onlywriter", "b", s -> "Pending".equals(s.phase));
        assertTrue(pending.getStatus().reason.contains("writer"), pending.getStatus().reason);
        assertNull(client.batch().v1().jobs().inNamespace("onlywriter").withName("b-backup").get());
    }

    private static final String GALERA_UUID = "6b4f1a2e-0000-11ef-8000-0a580a000001";

    /** A backup as the controller leaves it when it completed, at GTID 1-1-seqno of GALERA_UUID. */
    private static void completed(String ns, String name, String endTime, long seqno) {
        backup(ns, name, "keep");
        // No database pod: the controller leaves it Pending; then the test plays its completion.
        awaitBackup(ns, name, s -> "Pending".equals(s.phase));
        for (int attempt = 1; ; attempt++) {
            MessageStackBackup b = client.resources(MessageStackBackup.class).inNamespace(ns).withName(name).get();
            MessageStackBackupStatus s = new MessageStackBackupStatus();
            s.phase = "Completed";
            s.startTime = endTime;
            s.endTime = endTime;
            s.location = "s3://messagestack-backups/" + ns + "/keep/backups/" + name + "/";
            s.position = new io.messagestack.operator.crd.BackupPosition(GALERA_UUID, seqno, "1-1-" + seqno);
            b.setStatus(s);
            try {
                client.resource(b).updateStatus();
                return;
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 5) {
                    throw e;
                }
            }
        }
    }

    @Test
    void retentionDeletesExactlyWhatItChoseAndOnlyAfterTheObjectsAreGone() throws Exception {
        stack("ret", "keep", S3);
        completed("ret", "keep-a", "2026-01-01T03:00:00Z", 10);
        completed("ret", "keep-b", "2026-01-02T03:00:00Z", 20);
        completed("ret", "keep-c", "2026-01-03T03:00:00Z", 30);
        // Without retention nothing is deleted, however old: the stack's reconcile (every 10 s while not Ready) has
        // run at least once more after the backups completed.
        Thread.sleep(12_000);
        assertNotNull(client.resources(io.messagestack.operator.crd.MessageStack.class).inNamespace("ret")
                .withName("keep").get().getStatus(), "the stack was reconciled");
        assertNull(client.batch().v1().jobs().inNamespace("ret").withName("keep-a-delete").get());
        client.resources(io.messagestack.operator.crd.MessageStack.class).inNamespace("ret").withName("keep")
                .edit(ms -> {
                    ms.getSpec().backup.retention = new io.messagestack.operator.crd.BackupRetentionSpec();
                    ms.getSpec().backup.retention.count = 2;
                    return ms;
                });
        Job deleteA = KubeApi.await("the deletion Job of keep-a", WAIT,
                () -> client.batch().v1().jobs().inNamespace("ret").withName("keep-a-delete").get());
        assertEquals(java.util.List.of("/usr/local/bin/galera-agent", "backup-delete"),
                deleteA.getSpec().getTemplate().getSpec().getContainers().get(0).getCommand());
        // The Job gets the kept backups' positions: the agent prunes the archive up to keep-b's seqno only.
        assertEquals("[{\"backup\":\"keep-b\",\"galeraUuid\":\"" + GALERA_UUID + "\",\"gtid\":\"1-1-20\"},"
                        + "{\"backup\":\"keep-c\",\"galeraUuid\":\"" + GALERA_UUID + "\",\"gtid\":\"1-1-30\"}]",
                deleteA.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                        .filter(e -> e.getName().equals("KEPT_BACKUPS")).findFirst().orElseThrow().getValue());
        assertNull(client.batch().v1().jobs().inNamespace("ret").withName("keep-b-delete").get(), "count 2 keeps b");
        assertNull(client.batch().v1().jobs().inNamespace("ret").withName("keep-c-delete").get(), "the newest is kept");

        // The record stays until the objects are gone.
        assertEquals("Completed", client.resources(MessageStackBackup.class).inNamespace("ret").withName("keep-a")
                .get().getStatus().phase);
        finishJob("ret", deleteA, true, "{\"deleted\":\"s3://messagestack-backups/ret/keep/backups/keep-a/\"}");
        KubeApi.await("keep-a deleted", WAIT, () -> client.resources(MessageStackBackup.class).inNamespace("ret")
                .withName("keep-a").get() == null ? Boolean.TRUE : null);
        assertEquals("Completed", client.resources(MessageStackBackup.class).inNamespace("ret").withName("keep-b")
                .get().getStatus().phase);
    }

    @Test
    void aScheduleCreatesTheBackupOfItsSlotAndRemembersTheSlot() {
        stack("sched", "shop", S3 + "  schedule: '* * * * *'\n");
        // The first slot after the stack's creation: within a minute, plus one stack reconcile (10 s).
        MessageStackBackup b = KubeApi.await("a scheduled backup", Duration.ofSeconds(100),
                () -> client.resources(MessageStackBackup.class).inNamespace("sched")
                        .withLabel("messagestack.io/scheduled", "true").list().getItems().stream().findFirst()
                        .orElse(null));
        assertTrue(b.getMetadata().getName().matches("shop-[0-9]{8}-[0-9]{4}"), b.getMetadata().getName());
        assertEquals("shop", b.getSpec().stack);
        String slot = b.getMetadata().getAnnotations().get("messagestack.io/schedule-slot");
        assertEquals(io.messagestack.operator.backup.BackupLayout.scheduledBackupName("shop", Instant.parse(slot)),
                b.getMetadata().getName(), "the name comes from the slot");
        String remembered = KubeApi.await("the stack remembers the slot", WAIT, () -> {
            var ms = client.resources(io.messagestack.operator.crd.MessageStack.class).inNamespace("sched")
                    .withName("shop").get();
            return ms.getMetadata().getAnnotations() == null ? null
                    : ms.getMetadata().getAnnotations().get("messagestack.io/last-backup-slot");
        });
        assertTrue(Instant.parse(remembered).compareTo(Instant.parse(slot)) >= 0, remembered + " vs " + slot);
    }
}
