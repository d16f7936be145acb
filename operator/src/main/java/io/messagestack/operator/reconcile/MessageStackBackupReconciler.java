package io.messagestack.operator.reconcile;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import io.messagestack.operator.backup.BackupJob;
import io.messagestack.operator.backup.BackupNodeChoice;
import io.messagestack.operator.backup.BackupOutcome;
import io.messagestack.operator.common.Components;
import io.messagestack.operator.common.Images;
import io.messagestack.operator.common.Labels;
import io.messagestack.operator.common.Stack;
import io.messagestack.operator.crd.BackupPosition;
import io.messagestack.operator.crd.Engine;
import io.messagestack.operator.crd.MessageStack;
import io.messagestack.operator.crd.MessageStackBackup;
import io.messagestack.operator.crd.MessageStackBackupStatus;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Takes the backup a MessageStackBackup asks for, one at a time per stack: Pending (waiting for its turn or for a
 * Synced non-writer node) -> Running (its Job runs galera-agent backup) -> Completed (the manifest's facts in the
 * status) or Failed (the reason). Completed and Failed are final: a retry is a new MessageStackBackup. It never
 * deletes anything in the store; deleting this object deletes only its Job (owner reference).
 */
@ControllerConfiguration(name = "messagestackbackup")
public class MessageStackBackupReconciler implements Reconciler<MessageStackBackup> {
    private static final Logger LOG = Logger.getLogger(MessageStackBackupReconciler.class);
    private static final Pattern ORDINAL = Pattern.compile("-([0-9]+)$");

    private final Images images = Images.fromEnvironment();
    private final EventRecorder events = new EventRecorder();
    private final String clusterDomain = env("MESSAGESTACK_CLUSTER_DOMAIN", Stack.DEFAULT_CLUSTER_DOMAIN);
    /** One backup starts at a time per stack, even when two MessageStackBackups are reconciled at once. */
    private final Map<String, Object> stackLocks = new ConcurrentHashMap<>();

    @Override
    public List<EventSource<?, MessageStackBackup>> prepareEventSources(
            EventSourceContext<MessageStackBackup> context) {
        List<EventSource<?, MessageStackBackup>> sources = new ArrayList<>();
        sources.add(new InformerEventSource<>(InformerEventSourceConfiguration.from(Job.class, MessageStackBackup.class)
                .withLabelSelector(Labels.MANAGED_SELECTOR + "," + Labels.COMPONENT + "=" + Components.BACKUP)
                .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(MessageStackBackup.class))
                .build(), context));
        return sources;
    }

    @Override
    public UpdateControl<MessageStackBackup> reconcile(MessageStackBackup backup, Context<MessageStackBackup> context) {
        MessageStackBackupStatus status = backup.getStatus() == null ? new MessageStackBackupStatus() : backup.getStatus();
        KubernetesClient client = context.getClient();
        String ns = backup.getMetadata().getNamespace();
        String name = backup.getMetadata().getName();
        if (MessageStackBackupStatus.COMPLETED.equals(status.phase)) {
            return retention(client, backup, status);
        }
        if (MessageStackBackupStatus.FAILED.equals(status.phase)) {
            return UpdateControl.noUpdate();
        }
        String jobName = BackupJob.jobName(name);
        Job job = context.getSecondaryResources(Job.class).stream()
                .filter(j -> jobName.equals(j.getMetadata().getName())).findFirst()
                .orElseGet(() -> client.batch().v1().jobs().inNamespace(ns).withName(jobName).get());
        if (job != null) {
            return follow(client, backup, status, job);
        }
        MessageStack resource = client.resources(MessageStack.class).inNamespace(ns).withName(backup.getSpec().stack).get();
        if (resource == null) {
            return fail(client, backup, status, "MessageStack " + backup.getSpec().stack + " does not exist in "
                    + ns + "; nothing was backed up");
        }
        Stack stack = Stack.of(resource, images, clusterDomain);
        if (stack.spec().backup == null) {
            return fail(client, backup, status, "MessageStack " + stack.name() + " has no spec.backup: nowhere to"
                    + " write the backup; set spec.backup.storage and create a new MessageStackBackup");
        }
        List<SpecValidation.Refusal> refusals = SpecValidation.check(stack.name(), stack.spec());
        if (!refusals.isEmpty()) {
            return fail(client, backup, status, SpecValidation.describe(refusals));
        }
        if (stack.spec().database.engine == Engine.PERCONA_XTRADB_CLUSTER) {
            return fail(client, backup, status, "backups of Percona XtraDB Cluster stacks are not built yet (the"
                    + " agent would run xtrabackup, untested; the backup user is created for MariaDB only)");
        }
        synchronized (stackLocks.computeIfAbsent(ns + "/" + stack.name(), k -> new Object())) {
            String running = runningBackupOf(client, ns, stack.name(), name);
            if (running != null) {
                return pending(client, backup, status, "waiting for backup " + running + " of the same stack"
                        + " (one at a time)");
            }
            java.util.Set<String> cordoned = cordonedNodes(client);
            List<BackupNodeChoice.Node> nodes = client.pods().inNamespace(ns)
                    .withLabels(Labels.selector(stack.name(), Components.DATABASE)).list().getItems().stream()
                    .map(pod -> node(pod, cordoned)).filter(Objects::nonNull).toList();
            BackupNodeChoice.Choice choice = BackupNodeChoice.choose(nodes, stack.spec().database.replicas,
                    writerPod(client, ns, stack.name()));
            if (choice.node().isEmpty()) {
                return pending(client, backup, status, choice.reason());
            }
            BackupNodeChoice.Node node = choice.node().get();
            client.resource(BackupJob.build(stack, backup, node)).create();
            MessageStackBackupStatus next = new MessageStackBackupStatus();
            next.phase = MessageStackBackupStatus.RUNNING;
            next.startTime = now();
            next.node = node.pod();
            next.job = jobName;
            next.location = BackupJob.location(stack, name);
            next.reason = null;
            events.normal(client, backup, "BackupStarted", "backup " + name + " of " + stack.name() + " started: "
                    + choice.reason() + ", to " + next.location);
            LOG.infof("backup started backup=%s/%s stack=%s node=%s job=%s", ns, name, stack.name(), node.pod(), jobName);
            backup.setStatus(next);
            return UpdateControl.patchStatus(backup).rescheduleAfter(Duration.ofSeconds(15));
        }
    }

    /**
     * A Completed backup that retention chose has a deletion Job: once it succeeded (the objects are gone) the
     * MessageStackBackup is deleted too; if it failed, the reason goes into the status and nothing more happens
     * (delete the Job to let retention try again).
     */
    private UpdateControl<MessageStackBackup> retention(KubernetesClient client, MessageStackBackup backup,
                                                        MessageStackBackupStatus status) {
        String ns = backup.getMetadata().getNamespace();
        String jobName = BackupJob.deleteJobName(backup.getMetadata().getName());
        Job job = client.batch().v1().jobs().inNamespace(ns).withName(jobName).get();
        if (job == null || job.getStatus() == null) {
            return UpdateControl.noUpdate();
        }
        if (job.getStatus().getSucceeded() != null && job.getStatus().getSucceeded() > 0) {
            events.normal(client, backup, "BackupDeleted", "retention deleted backup " + backup.getMetadata().getName()
                    + " from " + status.location);
            LOG.infof("backup deleted by retention backup=%s/%s location=%s", ns, backup.getMetadata().getName(),
                    status.location);
            client.resource(backup).delete();
            return UpdateControl.noUpdate();
        }
        boolean failed = job.getStatus().getFailed() != null && job.getStatus().getFailed() > 0;
        if (failed) {
            String message = terminationMessage(client, job, "delete");
            String reason = "retention could not delete it: " + (message == null ? jobFailure(job) : message)
                    + " (delete Job " + jobName + " to try again)";
            if (!reason.equals(status.reason)) {
                status.reason = reason;
                events.warning(client, backup, "BackupDeleteFailed", reason);
                backup.setStatus(status);
                return UpdateControl.patchStatus(backup);
            }
        }
        return UpdateControl.noUpdate();
    }

    /** The Job exists: Running until it ends, then the agent's result decides. */
    private UpdateControl<MessageStackBackup> follow(KubernetesClient client, MessageStackBackup backup,
                                                     MessageStackBackupStatus status, Job job) {
        var js = job.getStatus();
        boolean succeeded = js != null && js.getSucceeded() != null && js.getSucceeded() > 0;
        boolean failed = js != null && js.getFailed() != null && js.getFailed() > 0
                || js != null && js.getConditions() != null && js.getConditions().stream()
                .anyMatch(c -> "Failed".equals(c.getType()) && "True".equals(c.getStatus()));
        if (!succeeded && !failed) {
            Pod pod = client.pods().inNamespace(job.getMetadata().getNamespace())
                    .withLabel("job-name", job.getMetadata().getName()).list().getItems().stream().findFirst()
                    .orElse(null);
            var stuck = BackupJob.stuck(pod, job.getMetadata().getCreationTimestamp() == null ? null
                    : Instant.parse(job.getMetadata().getCreationTimestamp()), Instant.now());
            if (stuck.isPresent()) {
                // Suspending the Job stops its pod (nothing was written: the backup never started), so it no
                // longer holds the stack's one backup slot; the Job stays for a person to look at.
                client.batch().v1().jobs().inNamespace(job.getMetadata().getNamespace())
                        .withName(job.getMetadata().getName()).edit(j -> {
                            j.getSpec().setSuspend(true);
                            return j;
                        });
                return fail(client, backup, status, stuck.get());
            }
            if (!MessageStackBackupStatus.RUNNING.equals(status.phase)) {
                status.phase = MessageStackBackupStatus.RUNNING;
                backup.setStatus(status);
                return UpdateControl.patchStatus(backup).rescheduleAfter(Duration.ofSeconds(15));
            }
            return UpdateControl.<MessageStackBackup>noUpdate().rescheduleAfter(Duration.ofSeconds(15));
        }
        String message = terminationMessage(client, job, BackupJob.CONTAINER);
        BackupOutcome outcome = BackupOutcome.parse(message, backup.getMetadata().getName());
        if (succeeded && outcome.succeeded()) {
            var m = outcome.manifest();
            status.phase = MessageStackBackupStatus.COMPLETED;
            status.startTime = m.startTime().toString();
            status.endTime = m.endTime().toString();
            status.size = m.dataSize();
            status.sha256 = m.dataSha256();
            status.position = new BackupPosition(m.galeraUuid(), m.galeraSeqno(), m.gtid());
            status.node = m.node();
            if (outcome.location() != null && status.location == null) {
                status.location = outcome.location();
            }
            status.reason = null;
            events.normal(client, backup, "BackupCompleted", "backup " + m.backup() + " completed: " + m.dataSize()
                    + " bytes at " + m.galeraPosition() + (m.gtid() == null ? "" : " (GTID " + m.gtid() + ")")
                    + " from " + m.node() + ", in " + status.location);
            backup.setStatus(status);
            return UpdateControl.patchStatus(backup);
        }
        String reason = outcome.succeeded() ? "the Job failed after the agent reported success; not trusted"
                : outcome.error();
        if (!succeeded && (message == null || message.isBlank())) {
            reason = jobFailure(job) + " (no result from the agent: it did not run or was stopped)";
        }
        return fail(client, backup, status, reason);
    }

    private UpdateControl<MessageStackBackup> fail(KubernetesClient client, MessageStackBackup backup,
                                                   MessageStackBackupStatus status, String reason) {
        status.phase = MessageStackBackupStatus.FAILED;
        status.endTime = now();
        status.reason = reason;
        events.warning(client, backup, "BackupFailed", "backup " + backup.getMetadata().getName() + " failed: "
                + reason + "; no manifest was written, so it is not listed as a backup");
        LOG.warnf("backup failed backup=%s/%s reason=\"%s\"", backup.getMetadata().getNamespace(),
                backup.getMetadata().getName(), reason);
        backup.setStatus(status);
        return UpdateControl.patchStatus(backup);
    }

    private UpdateControl<MessageStackBackup> pending(KubernetesClient client, MessageStackBackup backup,
                                                      MessageStackBackupStatus status, String reason) {
        Duration again = Duration.ofSeconds(30);
        if (MessageStackBackupStatus.PENDING.equals(status.phase) && reason.equals(status.reason)) {
            return UpdateControl.<MessageStackBackup>noUpdate().rescheduleAfter(again);
        }
        status.phase = MessageStackBackupStatus.PENDING;
        status.reason = reason;
        events.normal(client, backup, "BackupPending", reason);
        backup.setStatus(status);
        return UpdateControl.patchStatus(backup).rescheduleAfter(again);
    }

    /** Another backup of this stack that is Running (or whose Job is active), or null. */
    private static String runningBackupOf(KubernetesClient client, String ns, String stack, String self) {
        for (MessageStackBackup other : client.resources(MessageStackBackup.class).inNamespace(ns).list().getItems()) {
            if (other.getSpec() != null && stack.equals(other.getSpec().stack)
                    && !self.equals(other.getMetadata().getName()) && other.getStatus() != null
                    && MessageStackBackupStatus.RUNNING.equals(other.getStatus().phase)) {
                return other.getMetadata().getName();
            }
        }
        for (Job j : client.batch().v1().jobs().inNamespace(ns)
                .withLabels(Labels.selector(stack, Components.BACKUP)).list().getItems()) {
            if (j.getStatus() != null && j.getStatus().getActive() != null && j.getStatus().getActive() > 0
                    && !BackupJob.jobName(self).equals(j.getMetadata().getName())) {
                return j.getMetadata().getName();
            }
        }
        return null;
    }

    /** status.writer.pod of the stack (HAProxy's writer), null when it names none. */
    private static String writerPod(KubernetesClient client, String ns, String stackName) {
        MessageStack ms = client.resources(MessageStack.class).inNamespace(ns).withName(stackName).get();
        return ms == null || ms.getStatus() == null || ms.getStatus().writer == null ? null : ms.getStatus().writer.pod;
    }

    /** The cordoned Kubernetes nodes; none when they cannot be read (an install without the nodes role). */
    private static java.util.Set<String> cordonedNodes(KubernetesClient client) {
        try {
            return client.nodes().list().getItems().stream()
                    .filter(n -> n.getSpec() != null && Boolean.TRUE.equals(n.getSpec().getUnschedulable()))
                    .map(n -> n.getMetadata().getName()).collect(java.util.stream.Collectors.toSet());
        } catch (KubernetesClientException e) {
            LOG.warnf("backups: cannot list nodes (%s); every database pod's node is taken as schedulable",
                    e.getMessage());
            return java.util.Set.of();
        }
    }

    private static BackupNodeChoice.Node node(Pod pod, java.util.Set<String> cordoned) {
        Matcher m = ORDINAL.matcher(pod.getMetadata().getName());
        if (!m.find() || pod.getMetadata().getDeletionTimestamp() != null) {
            return null;
        }
        boolean ready = io.messagestack.operator.common.Pods.isReady(pod);
        String nodeName = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
        return new BackupNodeChoice.Node(pod.getMetadata().getName(), Integer.parseInt(m.group(1)), ready, nodeName,
                nodeName == null || !cordoned.contains(nodeName));
    }

    /** The backup container's termination message (the agent's result line), or null. */
    private static String terminationMessage(KubernetesClient client, Job job, String container) {
        List<Pod> pods = client.pods().inNamespace(job.getMetadata().getNamespace())
                .withLabel("job-name", job.getMetadata().getName()).list().getItems();
        for (Pod p : pods) {
            if (p.getStatus() == null || p.getStatus().getContainerStatuses() == null) {
                continue;
            }
            for (var cs : p.getStatus().getContainerStatuses()) {
                if (container.equals(cs.getName()) && cs.getState() != null
                        && cs.getState().getTerminated() != null) {
                    return cs.getState().getTerminated().getMessage();
                }
            }
        }
        return null;
    }

    private static String jobFailure(Job job) {
        if (job.getStatus() != null && job.getStatus().getConditions() != null) {
            for (var c : job.getStatus().getConditions()) {
                if ("Failed".equals(c.getType()) && "True".equals(c.getStatus())) {
                    return "Job " + job.getMetadata().getName() + " failed: " + c.getReason() + " " + c.getMessage();
                }
            }
        }
        return "Job " + job.getMetadata().getName() + " failed";
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static String env(String name, String def) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? def : v;
    }
}
