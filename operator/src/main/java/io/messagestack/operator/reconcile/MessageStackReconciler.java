package io.messagestack.operator.reconcile;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import io.messagestack.operator.backup.BackupHealth;
import io.messagestack.operator.backup.PitrHealth;
import io.messagestack.operator.crd.MessageStackBackupStatus;
import io.messagestack.operator.common.Images;
import io.messagestack.operator.common.Labels;
import io.messagestack.operator.common.Stack;
import io.messagestack.operator.crd.MessageStack;
import io.messagestack.operator.crd.MessageStackBackup;
import io.messagestack.operator.crd.MessageStackStatus;
import io.messagestack.operator.database.GaleraProbe;
import io.messagestack.operator.metrics.RecoveryMetrics;
import io.messagestack.operator.metrics.StackMetrics;
import io.messagestack.operator.metrics.StatusDurations;
import io.messagestack.operator.monitoring.MonitoringDecision;
import io.messagestack.operator.monitoring.MonitoringMode;
import io.micrometer.core.instrument.Metrics;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns a MessageStack into its stack and keeps it there. Every owned object is watched through an informer that
 * only sees objects with the operator's managed-by label; a change or deletion of one triggers a reconcile, whose
 * server-side apply puts it back.
 */
// Not generation-aware: StackUpdateFilter lets the action annotations (switchover-to, force-bootstrap) start a
// reconcile too, besides spec changes.
@ControllerConfiguration(name = "messagestack", generationAwareEventProcessing = false,
        informer = @io.javaoperatorsdk.operator.api.config.informer.Informer(onUpdateFilter = StackUpdateFilter.class))
public class MessageStackReconciler implements Reconciler<MessageStack> {
    private static final Logger LOG = Logger.getLogger(MessageStackReconciler.class);
    private static final List<Class<? extends HasMetadata>> OWNED = List.of(Secret.class, ConfigMap.class,
            Service.class, StatefulSet.class, Deployment.class, PodDisruptionBudget.class, NetworkPolicy.class);

    private final Images images = Images.fromEnvironment();
    private final GaleraProbe galeraProbe = new GaleraProbe();
    /** The Kubernetes nodes' informer (set when the event sources are prepared). */
    private volatile InformerEventSource<Node, MessageStack> nodes;
    private final EventRecorder events = new EventRecorder();
    private final java.util.Map<String, Applier.Applied> applied = new java.util.concurrent.ConcurrentHashMap<>();
    private final String clusterDomain = env("MESSAGESTACK_CLUSTER_DOMAIN", Stack.DEFAULT_CLUSTER_DOMAIN);
    private final String operatorNamespace = env("POD_NAMESPACE", "messagestack-system");
    private final StackMetrics metrics;
    private final RecoveryMetrics durations;
    private final io.messagestack.operator.monitoring.PrometheusOperatorApi prometheusOperator =
            new io.messagestack.operator.monitoring.PrometheusOperatorApi();
    private final io.messagestack.operator.monitoring.StackMonitoring monitoring =
            new io.messagestack.operator.monitoring.StackMonitoring(prometheusOperator, operatorNamespace);

    public MessageStackReconciler() {
        // Quarkus' Micrometer extension adds its Prometheus registry to the global one (served at /q/metrics).
        this(StackMetrics.global());
    }

    public MessageStackReconciler(StackMetrics metrics) {
        this(metrics, new RecoveryMetrics(Metrics.globalRegistry));
    }

    public MessageStackReconciler(StackMetrics metrics, RecoveryMetrics durations) {
        this.metrics = metrics;
        this.durations = durations;
    }

    @Override
    public List<EventSource<?, MessageStack>> prepareEventSources(EventSourceContext<MessageStack> context) {
        List<EventSource<?, MessageStack>> sources = new ArrayList<>();
        for (Class<? extends HasMetadata> type : OWNED) {
            sources.add(type == Secret.class ? byInstanceLabel(type, context) : ownedSource(type, context));
        }
        // Pods are owned by their StatefulSet/Deployment, not by the MessageStack: map them by the instance label.
        sources.add(byInstanceLabel(Pod.class, context));
        sources.add(backupsOfStack(context));
        nodes = cordonedNodes(context);
        sources.add(nodes);
        sweepMetricsOfDeletedStacks(context.getPrimaryCache());
        return sources;
    }

    /**
     * A deleted stack gets no reconcile (the operator puts no finalizer on it), so its per-stack gauges would stay
     * until another stack's reconcile, up to a minute, and page someone (MessageStackGaleraNotPrimary for a stack
     * whose pods are gone). Every 10 s the series of stacks gone from the informer's cache are dropped.
     */
    private void sweepMetricsOfDeletedStacks(io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache<MessageStack> cache) {
        java.util.concurrent.ScheduledExecutorService sweeper =
                io.messagestack.operator.common.BackgroundLoops.singleThread("metrics-sweep");
        java.util.function.Supplier<Set<StackMetrics.Key>> existing = () -> cache.list()
                .map(r -> new StackMetrics.Key(r.getMetadata().getNamespace(), r.getMetadata().getName()))
                .collect(java.util.stream.Collectors.toSet());
        sweeper.scheduleWithFixedDelay(() -> {
            if (!LeaderElection.leading()) {
                return; // the standby's rows are kept by StandbyGauges from its own list of stacks
            }
            try {
                metrics.retain(existing);
                durations.retain(existing);
            } catch (RuntimeException e) {
                LOG.warnf("metrics sweep of deleted stacks failed (retried in 10 s): %s", e.toString());
            }
        }, 10, 10, java.util.concurrent.TimeUnit.SECONDS);
    }

    /**
     * Kubernetes nodes (read only: get, list, watch), for whether the writer's node is cordoned (DrainSwitchover).
     * Only a change of spec.unschedulable starts reconciles, of every stack (which pods run on the node is the
     * stack's own business): a cordon is rare, and the operator must act on it before the drain's next eviction.
     */
    private static InformerEventSource<Node, MessageStack> cordonedNodes(EventSourceContext<MessageStack> context) {
        return new InformerEventSource<>(InformerEventSourceConfiguration.from(Node.class, MessageStack.class)
                .withName("nodes")
                .withWatchAllNamespaces()
                .withFollowControllerNamespacesChanges(false)
                .withOnAddFilter(MessageStackReconciler::unschedulable)
                .withOnUpdateFilter((now, before) -> unschedulable(now) != unschedulable(before))
                .withOnDeleteFilter((node, unknownState) -> false)
                .withSecondaryToPrimaryMapper(node -> context.getPrimaryCache().list()
                        .map(ResourceID::fromResource).collect(java.util.stream.Collectors.toSet()))
                .build(), context);
    }

    static boolean unschedulable(Node node) {
        return node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable());
    }

    /** Objects that may have no owner reference (pods; the credentials Secrets, kept with the volumes). */
    private static <R extends HasMetadata> InformerEventSource<R, MessageStack> byInstanceLabel(
            Class<R> type, EventSourceContext<MessageStack> context) {
        return new InformerEventSource<>(InformerEventSourceConfiguration.from(type, MessageStack.class)
                .withLabelSelector(Labels.MANAGED_SELECTOR)
                .withSecondaryToPrimaryMapper(object -> {
                    Map<String, String> labels = object.getMetadata().getLabels();
                    String instance = labels == null ? null : labels.get(Labels.INSTANCE);
                    return instance == null ? Set.of()
                            : Set.of(new ResourceID(instance, object.getMetadata().getNamespace()));
                })
                .build(), context);
    }

    /**
     * MessageStackBackups, by the stack they name (spec.stack): a person's on-demand backup has no owner or label.
     * A backup that finishes updates the stack's BackupFailing condition at once.
     */
    private static InformerEventSource<MessageStackBackup, MessageStack> backupsOfStack(
            EventSourceContext<MessageStack> context) {
        return new InformerEventSource<>(InformerEventSourceConfiguration.from(MessageStackBackup.class, MessageStack.class)
                .withSecondaryToPrimaryMapper(backup -> backup.getSpec() == null || backup.getSpec().stack == null
                        ? Set.of() : Set.of(new ResourceID(backup.getSpec().stack, backup.getMetadata().getNamespace())))
                .build(), context);
    }

    private static <R extends HasMetadata> InformerEventSource<R, MessageStack> ownedSource(
            Class<R> type, EventSourceContext<MessageStack> context) {
        return new InformerEventSource<>(InformerEventSourceConfiguration.from(type, MessageStack.class)
                .withLabelSelector(Labels.MANAGED_SELECTOR)
                .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(MessageStack.class))
                .build(), context);
    }

    @Override
    public UpdateControl<MessageStack> reconcile(MessageStack resource, Context<MessageStack> context) {
        long started = System.nanoTime();
        Stack stack = Stack.of(resource, images, clusterDomain);
        MonitoringMode previousMode = resource.getStatus() == null || resource.getStatus().monitoring == null ? null
                : MonitoringMode.of(resource.getStatus().monitoring.mode);
        MonitoringDecision.Discovery discovery = prometheusOperator.discover(context.getClient());
        MonitoringDecision.Decision monitoringDecision = MonitoringDecision.decide(monitoringEnabled(resource),
                discovery, previousMode);
        StackReconcile run = new StackReconcile(context.getClient(), resource, stack, cache(context, nodes),
                galeraProbe, operatorNamespace, applied)
                .scrapeAnnotations(monitoringDecision.mode() == MonitoringMode.SCRAPE_ANNOTATIONS);
        Observed observed = run.run();
        for (StackReconcile.Action action : run.actions()) {
            if (action.warning()) {
                events.warning(context.getClient(), resource, action.reason(), action.message());
            } else {
                events.normal(context.getClient(), resource, action.reason(), action.message());
            }
        }
        MessageStackStatus previous = resource.getStatus();
        run.refusal().ifPresent(message -> warnOnceAboutRefusal(context, resource, previous, message));
        if (run.refusal().isEmpty()) {
            scheduleBackup(context, resource);
            applyRetention(context, resource, stack);
        }
        MessageStackStatus next = StatusCalculator.calculate(previous, observed,
                resource.getMetadata().getGeneration(), now());
        next = StatusCalculator.withRolloutWaiting(next, run.rolloutWaiting(), resource.getMetadata().getGeneration(),
                now());
        BackupHealth.Health backups = backupHealth(context);
        next = StatusCalculator.withBackups(next, resource.getSpec() != null && resource.getSpec().backup != null,
                backups, resource.getMetadata().getGeneration(), now());
        next.monitoring = run.refusal().isPresent() ? (previous == null ? null : previous.monitoring)
                : monitoring.reconcile(context.getClient(), stack, List.of(Applier.ownerReference(resource)),
                monitoringDecision, discovery, previousMode, context.getPrimaryCache().list()
                        .anyMatch(MessageStackReconciler::monitoringEnabled));
        next = withPointInTimeRecovery(next, previous, resource, run.archiver(), context);
        emitTransitionEvents(context, resource, previous, next);
        long millis = (System.nanoTime() - started) / 1_000_000;
        boolean ready = Conditions.isTrue(next.conditions, Conditions.READY);
        recordMetrics(context, stack, ready, backups);
        if (run.refusal().isEmpty()) { // a refused spec applied nothing: no step, no recovery to measure
            recordDurations(context, stack, run, observed, previous, next);
        }
        LOG.infof("reconciled stack=%s/%s generation=%d phase=%s ready=%s database=%s elapsed_ms=%d",
                stack.namespace(), stack.name(), resource.getMetadata().getGeneration(), next.phase, ready,
                next.databaseSummary, millis);
        // Not ready: look again soon (pod readiness also triggers reconciles). Ready: refresh the Galera state.
        Duration again = ready ? Duration.ofSeconds(60) : Duration.ofSeconds(10);
        if (sameStatus(previous, next)) {
            return UpdateControl.<MessageStack>noUpdate().rescheduleAfter(again);
        }
        resource.setStatus(next);
        return UpdateControl.patchStatus(resource).rescheduleAfter(again);
    }

    @Override
    public ErrorStatusUpdateControl<MessageStack> updateErrorStatus(MessageStack resource,
                                                                     Context<MessageStack> context, Exception e) {
        if (isConflict(e)) {
            // Someone changed the MessageStack while we reconciled it: not a failure, just reconcile again.
            return ErrorStatusUpdateControl.noStatusUpdate();
        }
        String message = shorten(describe(e));
        LOG.warnf("reconcile failed stack=%s/%s error=\"%s\"", resource.getMetadata().getNamespace(),
                resource.getMetadata().getName(), message);
        MessageStackStatus previous = resource.getStatus() == null ? new MessageStackStatus() : resource.getStatus();
        MessageStackStatus next = copy(previous);
        next.conditions = Conditions.set(previous.conditions == null ? List.of() : previous.conditions,
                Conditions.READY, false, "ReconcileFailed", message, resource.getMetadata().getGeneration(), now());
        next.phase = StatusCalculator.PHASE_FAILED;
        next.observedGeneration = resource.getMetadata().getGeneration();
        if (!StatusCalculator.PHASE_FAILED.equals(previous.phase)) {
            events.warning(context.getClient(), resource, "ReconcileFailed", message);
        }
        resource.setStatus(next);
        return ErrorStatusUpdateControl.patchStatus(resource);
    }

    /**
     * spec.backup.schedule: creates the MessageStackBackup of the slot that is due (ScheduledBackups decides; the
     * MessageStackBackup controller takes it). The stack's reconcile runs at least once a minute, so a backup starts
     * within about a minute of its slot.
     */
    private void scheduleBackup(Context<MessageStack> context, MessageStack resource) {
        var spec = resource.getSpec();
        if (spec == null || spec.backup == null || spec.backup.schedule == null || spec.backup.schedule.isBlank()) {
            return;
        }
        String ns = resource.getMetadata().getNamespace();
        String name = resource.getMetadata().getName();
        try {
            var schedule = io.messagestack.operator.backup.BackupSchedule.parse("spec.backup.schedule",
                    spec.backup.schedule);
            List<Instant> taken = context.getClient().resources(io.messagestack.operator.crd.MessageStackBackup.class)
                    .inNamespace(ns).withLabel(io.messagestack.operator.backup.ScheduledBackups.SCHEDULED_LABEL, "true")
                    .withLabel(Labels.INSTANCE, name).list().getItems().stream()
                    .map(io.messagestack.operator.backup.ScheduledBackups::slotOf).flatMap(Optional::stream)
                    .collect(java.util.stream.Collectors.toCollection(ArrayList::new));
            var annotations = resource.getMetadata().getAnnotations();
            String last = annotations == null ? null
                    : annotations.get(io.messagestack.operator.backup.ScheduledBackups.LAST_SLOT_ANNOTATION);
            if (last != null) {
                try {
                    taken.add(Instant.parse(last));
                } catch (RuntimeException e) {
                    LOG.warnf("ignoring annotation %s=%s on stack=%s/%s: not an instant",
                            io.messagestack.operator.backup.ScheduledBackups.LAST_SLOT_ANNOTATION, last, ns, name);
                }
            }
            Instant created = Instant.parse(resource.getMetadata().getCreationTimestamp());
            var due = io.messagestack.operator.backup.ScheduledBackups.due(schedule, taken, created, Instant.now());
            if (due.isEmpty()) {
                return;
            }
            var backup = io.messagestack.operator.backup.ScheduledBackups.backupFor(name, ns, due.get());
            boolean isNew = true;
            try {
                context.getClient().resource(backup).create();
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                isNew = false; // this slot's backup exists already
            }
            // Remember the slot on the stack (a merge patch of one annotation, no resourceVersion to conflict on).
            context.getClient().resources(MessageStack.class).inNamespace(ns).withName(name).patch(
                    io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                            io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                    "{\"metadata\":{\"annotations\":{\""
                            + io.messagestack.operator.backup.ScheduledBackups.LAST_SLOT_ANNOTATION + "\":\""
                            + due.get() + "\"}}}");
            if (!isNew) {
                return;
            }
            events.normal(context.getClient(), resource, "BackupScheduled", "scheduled backup "
                    + backup.getMetadata().getName() + " created for the slot " + due.get() + " ("
                    + spec.backup.schedule + ")");
        } catch (RuntimeException e) {
            LOG.warnf("scheduled backup not created stack=%s/%s error=\"%s\"", ns, name, e.getMessage());
            events.warning(context.getClient(), resource, "BackupScheduleFailed", "the scheduled backup could not be"
                    + " created: " + e.getMessage());
        }
    }

    /**
     * spec.backup.retention, only when the user set count or maxAge: BackupRetention chooses among this stack's
     * Completed MessageStackBackups (the newest is always kept), and each chosen one gets a deletion Job
     * (galera-agent backup-delete: the manifest first, and only of a complete backup; then the archived binary log
     * segments none of the kept backups, passed to it, can use). The MessageStackBackup
     * controller removes the object once its Job succeeded. Nothing is deleted without a configured rule.
     */
    private void applyRetention(Context<MessageStack> context, MessageStack resource, Stack stack) {
        var spec = resource.getSpec();
        if (spec == null || spec.backup == null || spec.backup.retention == null
                || spec.backup.retention.count == null && spec.backup.retention.maxAge == null) {
            return;
        }
        String ns = resource.getMetadata().getNamespace();
        try {
            var policy = new io.messagestack.operator.backup.BackupRetention.Policy(spec.backup.retention.count,
                    spec.backup.retention.maxAge == null ? null : SpecValidation.maxAge(spec.backup.retention.maxAge));
            var backups = context.getClient().resources(io.messagestack.operator.crd.MessageStackBackup.class)
                    .inNamespace(ns).list().getItems().stream()
                    .filter(b -> b.getSpec() != null && stack.name().equals(b.getSpec().stack)).toList();
            var rows = backups.stream().map(b -> new io.messagestack.operator.backup.BackupRetention.Backup(
                    b.getMetadata().getName(),
                    b.getStatus() == null || b.getStatus().endTime == null ? null : Instant.parse(b.getStatus().endTime),
                    b.getStatus() != null && io.messagestack.operator.crd.MessageStackBackupStatus.COMPLETED
                            .equals(b.getStatus().phase))).toList();
            var decision = io.messagestack.operator.backup.BackupRetention.choose(rows, policy, Instant.now());
            // What each deletion Job keeps of the binary log archive: the segments any kept backup can use.
            var kept = io.messagestack.operator.backup.BackupJob.keptBackups(backups, decision.delete());
            for (int i = 0; i < decision.delete().size(); i++) {
                String name = decision.delete().get(i);
                var backup = backups.stream().filter(b -> name.equals(b.getMetadata().getName())).findFirst().orElseThrow();
                String jobName = io.messagestack.operator.backup.BackupJob.deleteJobName(name);
                if (context.getClient().batch().v1().jobs().inNamespace(ns).withName(jobName).get() != null) {
                    continue; // already deleting (or a failed deletion a person has to look at)
                }
                context.getClient().resource(io.messagestack.operator.backup.BackupJob.buildDelete(stack, backup, kept)).create();
                events.normal(context.getClient(), resource, "BackupRetention", "deleting backup " + name + " ("
                        + decision.reasons().get(i) + ")");
            }
        } catch (RuntimeException e) {
            LOG.warnf("retention not applied stack=%s/%s error=\"%s\"", ns, stack.name(), e.getMessage());
            events.warning(context.getClient(), resource, "BackupRetentionFailed", "retention was not applied: "
                    + e.getMessage());
        }
    }

    /**
     * status.pointInTimeRecovery and the PointInTimeRecoveryGap condition (PitrHealth), while
     * spec.backup.pointInTimeRecovery is on; both removed when it is off.
     */
    private static MessageStackStatus withPointInTimeRecovery(MessageStackStatus next, MessageStackStatus previous,
            MessageStack resource, Optional<StackReconcile.ArchiverObservation> observed, Context<MessageStack> context) {
        if (resource.getSpec() == null || !resource.getSpec().pointInTimeRecovery()) {
            next.conditions = Conditions.remove(next.conditions, Conditions.POINT_IN_TIME_RECOVERY_GAP);
            next.pointInTimeRecovery = null;
            return next;
        }
        var obs = observed.orElse(new StackReconcile.ArchiverObservation(null,
                "the database is not applied yet (see DatabaseReady); the archiver starts once a node is Synced",
                Optional.empty()));
        List<PitrHealth.Backup> completed = context.getSecondaryResources(MessageStackBackup.class).stream()
                .filter(b -> b.getStatus() != null && MessageStackBackupStatus.COMPLETED.equals(b.getStatus().phase)
                        && b.getStatus().position != null && b.getStatus().position.galeraUuid != null)
                .map(b -> new PitrHealth.Backup(b.getStatus().position.galeraUuid, b.getStatus().position.gtid))
                .toList();
        PitrHealth.Verdict v = PitrHealth.of(previous == null ? null : previous.pointInTimeRecovery, obs.report(),
                obs.followed(), obs.waiting(), completed, Instant.now().truncatedTo(ChronoUnit.SECONDS));
        next.pointInTimeRecovery = v.status();
        next.conditions = Conditions.set(next.conditions, Conditions.POINT_IN_TIME_RECOVERY_GAP, v.gap(), v.reason(),
                v.message(), resource.getMetadata().getGeneration(), now());
        return next;
    }

    /** The stack's backups as the informer has them (the ones naming this stack in spec.stack). */
    private static BackupHealth.Health backupHealth(Context<MessageStack> context) {
        return backupHealth(context.getSecondaryResources(MessageStackBackup.class).stream().toList());
    }

    /** BackupHealth of these backups (all naming one stack); the standby's gauges read them the same way. */
    static BackupHealth.Health backupHealth(List<MessageStackBackup> backups) {
        return BackupHealth.of(backups.stream()
                .map(b -> new BackupHealth.Backup(b.getMetadata().getName(),
                        b.getStatus() == null ? null : b.getStatus().phase,
                        b.getStatus() == null ? null : endTime(b.getStatus().endTime),
                        b.getStatus() == null ? null : b.getStatus().reason))
                .toList());
    }

    /** A backup's end time; null when it has none or it is not a time (it then counts as unfinished). */
    private static Instant endTime(String value) {
        try {
            return value == null ? null : Instant.parse(value);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The per-stack gauges the alert rules read; the last backup from the same informer as the status. */
    private void recordMetrics(Context<MessageStack> context, Stack stack, boolean ready, BackupHealth.Health backups) {
        StackMetrics.Key key = new StackMetrics.Key(stack.namespace(), stack.name());
        Optional<Instant> lastBackup = backups.lastSuccess().map(BackupHealth.Backup::finished);
        Set<StackMetrics.Key> existing = context.getPrimaryCache().list()
                .map(r -> new StackMetrics.Key(r.getMetadata().getNamespace(), r.getMetadata().getName()))
                .collect(java.util.stream.Collectors.toCollection(java.util.HashSet::new));
        existing.add(key);
        metrics.record(key, new StackMetrics.Observation(ready, stack.spec().database.replicas, lastBackup), existing);
    }

    /** The recovery, scaling and writer histograms: what this reconcile observed, against the last status. */
    private void recordDurations(Context<MessageStack> context, Stack stack, StackReconcile run, Observed observed,
                                 MessageStackStatus previous, MessageStackStatus next) {
        Instant at = Instant.now();
        Set<StackMetrics.Key> existing = context.getPrimaryCache().list()
                .map(r -> new StackMetrics.Key(r.getMetadata().getNamespace(), r.getMetadata().getName()))
                .collect(java.util.stream.Collectors.toCollection(java.util.HashSet::new));
        StackMetrics.Key key = new StackMetrics.Key(stack.namespace(), stack.name());
        existing.add(key);
        boolean primary = observed.galera() != null && "Primary".equals(observed.galera().clusterStatus);
        durations.record(key, new RecoveryMetrics.Observation(run.fullCrash(), primary,
                run.databaseReplicasApplied(), observed.dbReady(), StatusDurations.timeToReady(previous, next, at),
                StatusDurations.writerMove(previous, next)), at, existing);
    }

    /** A Warning event when a spec is refused, once per refusal (the status keeps saying it while it lasts). */
    private void warnOnceAboutRefusal(Context<MessageStack> context, MessageStack resource,
                                      MessageStackStatus previous, String message) {
        var ready = previous == null ? null : Conditions.find(previous.conditions, Conditions.READY);
        if (ready != null && SpecValidation.REASON.equals(ready.getReason()) && message.equals(ready.getMessage())) {
            return;
        }
        LOG.warnf("spec refused stack=%s/%s %s", resource.getMetadata().getNamespace(),
                resource.getMetadata().getName(), message);
        events.warning(context.getClient(), resource, SpecValidation.REASON, message);
    }

    /** spec.monitoring.enabled; an absent spec or section is the default (on). */
    static boolean monitoringEnabled(MessageStack stack) {
        return stack.getSpec() == null || stack.getSpec().monitoring == null || stack.getSpec().monitoring.enabled;
    }

    private void emitTransitionEvents(Context<MessageStack> context, MessageStack resource,
                                      MessageStackStatus previous, MessageStackStatus next) {
        var monitoringBefore = previous == null ? null : previous.monitoring;
        if (next.monitoring != null && (monitoringBefore == null
                || !java.util.Objects.equals(monitoringBefore.mode, next.monitoring.mode)
                || !java.util.Objects.equals(monitoringBefore.reason, next.monitoring.reason))) {
            String message = "monitoring " + next.monitoring.mode + ": " + next.monitoring.message;
            if (io.messagestack.operator.monitoring.StackMonitoring.APPLY_FAILED.equals(next.monitoring.reason)) {
                events.warning(context.getClient(), resource, next.monitoring.reason, message);
            } else {
                events.normal(context.getClient(), resource, next.monitoring.reason, message);
            }
        }
        var failingBefore = previous == null ? null : Conditions.find(previous.conditions, Conditions.BACKUP_FAILING);
        var failingNow = Conditions.find(next.conditions, Conditions.BACKUP_FAILING);
        if (failingNow != null && "True".equals(failingNow.getStatus())
                && (failingBefore == null || !"True".equals(failingBefore.getStatus()))) {
            events.warning(context.getClient(), resource, "BackupFailing", failingNow.getMessage());
        } else if (failingNow != null && failingBefore != null && "True".equals(failingBefore.getStatus())
                && !"True".equals(failingNow.getStatus())) {
            events.normal(context.getClient(), resource, "BackupRecovered", failingNow.getMessage());
        }
        var gapBefore = previous == null ? null : Conditions.find(previous.conditions, Conditions.POINT_IN_TIME_RECOVERY_GAP);
        var gapNow = Conditions.find(next.conditions, Conditions.POINT_IN_TIME_RECOVERY_GAP);
        boolean gapWas = gapBefore != null && "True".equals(gapBefore.getStatus());
        if (gapNow != null && "True".equals(gapNow.getStatus()) && !gapWas) {
            events.warning(context.getClient(), resource, Conditions.POINT_IN_TIME_RECOVERY_GAP, gapNow.getMessage());
        } else if (gapNow != null && gapWas && !"True".equals(gapNow.getStatus())) {
            events.normal(context.getClient(), resource, "PointInTimeRecoveryContinuous", gapNow.getMessage());
        }
        for (String type : List.of(Conditions.READY, Conditions.DATABASE_READY, Conditions.PROXY_READY,
                Conditions.API_READY, Conditions.FRONTEND_READY)) {
            var before = previous == null ? null : Conditions.find(previous.conditions, type);
            var after = Conditions.find(next.conditions, type);
            if (after == null || before != null && before.getStatus().equals(after.getStatus())) {
                continue;
            }
            boolean nowTrue = "True".equals(after.getStatus());
            if (SpecValidation.REASON.equals(after.getReason())) {
                continue; // warnOnceAboutRefusal has said it
            }
            if (nowTrue) {
                events.normal(context.getClient(), resource, after.getReason(), type + ": " + after.getMessage());
            } else if (before != null) {
                // Only a loss of readiness is a warning; not-yet-ready during creation is expected.
                events.warning(context.getClient(), resource, after.getReason(), type + ": " + after.getMessage());
            }
        }
    }

    private static StackReconcile.SecondaryCache cache(Context<MessageStack> context,
                                                        InformerEventSource<Node, MessageStack> nodes) {
        return new StackReconcile.SecondaryCache() {
            @Override
            public <T extends HasMetadata> Optional<T> get(Class<T> type, String name) {
                return context.getSecondaryResources(type).stream()
                        .filter(r -> name.equals(r.getMetadata().getName())).findFirst();
            }

            @Override
            public List<Pod> pods(String component) {
                return context.getSecondaryResources(Pod.class).stream()
                        .filter(p -> p.getMetadata().getLabels() != null
                                && component.equals(p.getMetadata().getLabels().get(Labels.COMPONENT)))
                        .toList();
            }

            @Override
            public boolean nodeCordoned(String node) {
                return nodes != null && nodes.get(new ResourceID(node)).map(MessageStackReconciler::unschedulable)
                        .orElse(false);
            }
        };
    }

    private static boolean sameStatus(MessageStackStatus a, MessageStackStatus b) {
        return a != null && Serialization.asJson(a).equals(Serialization.asJson(b));
    }

    private static MessageStackStatus copy(MessageStackStatus s) {
        return Serialization.unmarshal(Serialization.asJson(s), MessageStackStatus.class);
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static boolean isConflict(Exception e) {
        Throwable t = e;
        while (t != null) {
            if (t instanceof io.fabric8.kubernetes.client.KubernetesClientException k && k.getCode() == 409) {
                return true;
            }
            t = t.getCause();
        }
        return false;
    }

    /** The API server's own message when there is one (it names the field), not the client's request line. */
    static String describe(Exception e) {
        Throwable t = e;
        while (t != null) {
            if (t instanceof io.fabric8.kubernetes.client.KubernetesClientException k && k.getStatus() != null
                    && k.getStatus().getMessage() != null) {
                return k.getStatus().getMessage();
            }
            t = t.getCause();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static String shorten(String s) {
        return s.length() > 600 ? s.substring(0, 600) + "..." : s;
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
