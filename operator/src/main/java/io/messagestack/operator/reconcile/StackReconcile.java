package io.messagestack.operator.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.messagestack.operator.api.MessageApi;
import io.messagestack.operator.backup.ArchiverNodeChoice;
import io.messagestack.operator.backup.ArchiverProbe;
import io.messagestack.operator.backup.BinlogArchiver;
import io.messagestack.operator.backup.PitrHealth;
import io.messagestack.operator.backup.PointInTimeRestore;
import io.messagestack.operator.common.ClasspathFiles;
import io.messagestack.operator.common.Components;
import io.messagestack.operator.common.Labels;
import io.messagestack.operator.common.Names;
import io.messagestack.operator.common.Stack;
import io.messagestack.operator.crd.FrontendServiceSpec;
import io.messagestack.operator.crd.GaleraBootstrapStatus;
import io.messagestack.operator.crd.GaleraStatus;
import io.messagestack.operator.crd.MessageStack;
import io.messagestack.operator.crd.MessageStackBackup;
import io.messagestack.operator.database.DatabaseCluster;
import io.messagestack.operator.database.RestoreInit;
import io.messagestack.operator.database.RollingWriter;
import io.messagestack.operator.database.WriterDisruption;
import io.messagestack.operator.database.DatabaseScaling;
import io.messagestack.operator.database.FullCrashRecovery;
import io.messagestack.operator.database.GaleraProbe;
import io.messagestack.operator.frontend.Frontend;
import io.messagestack.operator.common.ConfigHash;
import io.messagestack.operator.crd.SwitchoverRequestStatus;
import io.messagestack.operator.crd.WriterStatus;
import io.messagestack.operator.proxy.DatabaseProxy;
import io.messagestack.operator.proxy.HaproxyConfigRenderer;
import io.messagestack.operator.proxy.WriterRecord;
import io.messagestack.operator.proxy.DrainSwitchover;
import io.messagestack.operator.proxy.FollowProxies;
import io.messagestack.operator.proxy.ProxySessionsProbe;
import io.messagestack.operator.proxy.WriterSwitchover;
import io.messagestack.operator.security.AgentToken;
import io.messagestack.operator.security.DatabaseCredentials;
import io.messagestack.operator.security.NetworkPolicies;
import io.messagestack.operator.vip.Keepalived;
import io.messagestack.operator.vip.VrrpAuth;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * One reconcile of one MessageStack, as a list of named steps. Each step builds its desired objects with the pure
 * model classes and applies them; what it cannot do becomes a {@link Problem}, never a destructive action.
 */
public class StackReconcile {
    /** Label on the database volumes: the engine whose data files they hold. */
    public static final String ENGINE_LABEL = "messagestack.io/engine";

    private final KubernetesClient client;
    private final MessageStack resource;
    private final Stack stack;
    private final Names names;
    private final Applier applier;
    private final SecondaryCache cache;
    private final GaleraProbe galeraProbe;
    private final String operatorNamespace;
    private final List<Problem> problems = new ArrayList<>();
    /** Actions worth an event (full-crash recovery decisions, restored passwords). */
    private final List<Action> actions = new ArrayList<>();

    /** Something the operator did that a person should see as an event; {@code warning} for refusals. */
    public record Action(String reason, String message, boolean warning) {
        public Action(String reason, String message) {
            this(reason, message, false);
        }
    }
    /** The agents' bearer token, sent with POST /bootstrap. */
    private String agentToken;
    /** Hash of the VRRP password, null without virtual addresses. */
    private String vrrpAuthHash;
    /** The bootstrap requested in this reconcile, for status.galera.lastBootstrap. */
    private GaleraBootstrapStatus lastBootstrap;
    /** ClusterIP of the message-api Service, which nginx resolves once at start. */
    private String apiServiceAddress;
    /** Set when the spec is refused (see acceptSpec). */
    private String refusal;
    /** The restore's source could not be resolved but the StatefulSet exists: keep its restore init container. */
    private boolean keepRestore;
    /** Database nodes the StatefulSet has now (a step toward spec.database.replicas while scaling). */
    private int dbReplicas;
    /** Ordinal of HAProxy's writer node: what the applied proxy config names, or a switchover's target. */
    private int writer;
    /** Set when this reconcile moved the writer (status.writer gets a new reason and time). */
    private WriterStatus writerMoved;
    /** The writer as the proxy ConfigMap recorded it at the start of this reconcile (WriterRecord). */
    private WriterStatus recordedWriter;
    /** The switchover request handled in this reconcile, for status.writer.lastRequest. */
    private SwitchoverRequestStatus switchoverRequest;
    /** The binary log archiver as this reconcile saw it (null: point-in-time recovery is off). */
    private ArchiverObservation archiver;
    private static final ArchiverProbe ARCHIVER_PROBE = new ArchiverProbe();
    private static final ProxySessionsProbe PROXY_SESSIONS = new ProxySessionsProbe();
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(StackReconcile.class);
    /** The agents' answers, asked once per reconcile (null until asked). */
    private List<GaleraProbe.PodState> probed;
    /** FullCrashRecovery's decision at this reconcile (null when the database was not probed). */
    private FullCrashRecovery.Decision crashDecision;
    /** spec.monitoring's mode ScrapeAnnotations: the pod templates keep their prometheus.io annotations. */
    private boolean scrapeAnnotations = true;
    /** The proxy ConfigMap read at the start of this reconcile (null for a new stack). */
    private io.fabric8.kubernetes.api.model.ConfigMap appliedProxyConfig;
    /** The tiers decided so far in this reconcile (rollout order step, RolloutOrder). */
    private final Map<RolloutOrder.Tier, RolloutOrder.TierState> tiersDecided = new EnumMap<>(RolloutOrder.Tier.class);
    /** What the tiers that keep their current template wait for, in tier order. */
    private final List<String> rolloutWaits = new ArrayList<>();
    /** A writer step (rolling change, scale-down, drain) waits for every proxy pod to run the writer's config. */
    private boolean writerNeedsProxies;

    /** Read access to the informer caches (the objects the operator owns). */
    public interface SecondaryCache {
        <T extends HasMetadata> Optional<T> get(Class<T> type, String name);

        List<Pod> pods(String component);

        /** The Kubernetes node is unschedulable (cordoned; a drain begins with that). False for an unknown node. */
        boolean nodeCordoned(String node);
    }

    public StackReconcile(KubernetesClient client, MessageStack resource, Stack stack, SecondaryCache cache,
                          GaleraProbe galeraProbe, String operatorNamespace, Map<String, Applier.Applied> memory) {
        this.client = client;
        this.resource = resource;
        this.stack = stack;
        this.names = stack.names();
        this.applier = new Applier(client, resource, memory);
        this.cache = cache;
        this.galeraProbe = galeraProbe;
        this.operatorNamespace = operatorNamespace;
        this.dbReplicas = stack.spec().database.replicas;
    }

    /** Whether the pod templates carry the scrape annotations (MonitoringMode.SCRAPE_ANNOTATIONS). */
    public StackReconcile scrapeAnnotations(boolean keep) {
        this.scrapeAnnotations = keep;
        return this;
    }

    /** Whether this reconcile found a full crash: FullCrashRecovery decided a wait, a refusal or a bootstrap. */
    public boolean fullCrash() {
        return crashDecision != null && crashDecision.outcome() != FullCrashRecovery.Outcome.NONE;
    }

    /** The database node count applied at this reconcile (a scaling step's, or spec.database.replicas). */
    public int databaseReplicasApplied() {
        return dbReplicas;
    }

    /**
     * The archiver of point-in-time recovery: the pod it follows (null: none chosen yet, then {@code waiting} says
     * why) and its GET /status (empty: no answer).
     */
    public record ArchiverObservation(String followed, String waiting, Optional<PitrHealth.Report> report) {
    }

    /** Runs the steps in order and returns what was observed, for the status. */
    public Observed run() {
        if (!acceptSpec()) {
            return observe(false, false); // refused: nothing is written, not even the password Secrets
        }
        if (!ensureCredentials()) {
            return observe(false, false);
        }
        ensureAgentToken();
        ensureVrrpAuth();
        var proxyConfig = proxyConfigNow();
        appliedProxyConfig = proxyConfig;
        writer = appliedWriter(proxyConfig);
        recordedWriter = WriterRecord.read(names.dbStatefulSet() + "-" + writer, writer == 0,
                proxyConfig == null ? null : proxyConfig.getMetadata().getAnnotations(), now());
        String switchover = annotation(WriterSwitchover.ANNOTATION);
        if (switchover != null || hasAnnotation(WriterSwitchover.ANNOTATION)) {
            requestSwitchover(switchover);
        }
        if (writerMoved == null) {
            writerOffCordonedNode();
        }
        if (writerMoved == null) {
            writerFollowsProxies();
        }
        boolean databaseApplied = applyDatabase();
        applyBinlogArchiver(databaseApplied);
        applyProxy();
        if (switchoverRequest != null) {
            removeSwitchoverAnnotation();
        }
        int dbReady = readyReplicas(cache.get(StatefulSet.class, names.dbStatefulSet()), StatefulSet::getStatus);
        // A majority of Synced nodes: the first node is often busy as the SST donor of the others
        // (and then unavailable), which would make message-api's schema migration fail at start.
        boolean apiCreated = applyApi(dbReady >= stack.spec().database.replicas / 2 + 1);
        applyFrontend();
        applyVip();
        applyNetworkPolicies();
        announceRolloutWaits();
        return observe(databaseApplied, apiCreated);
    }

    /**
     * The rollout order step, called by each tier's step before it applies its workload: puts the desired pod
     * template's hash on the workload and asks RolloutOrder whether this tier may roll now. False: the caller keeps
     * the current template and the config files its pods read, and the status says what the tier waits for.
     */
    private boolean mayRoll(RolloutOrder.Tier tier, HasMetadata desired) {
        if (!scrapeAnnotations) {
            io.messagestack.operator.common.Scrape.withoutAnnotations(desired); // as apply() sends it
        }
        String hash = RolloutOrder.templateHash(RolloutOrder.templateOf(desired));
        if (desired.getMetadata().getAnnotations() == null) {
            desired.getMetadata().setAnnotations(new LinkedHashMap<>());
        }
        desired.getMetadata().getAnnotations().put(RolloutOrder.TEMPLATE_HASH_ANNOTATION, hash);
        Optional<? extends HasMetadata> existing = workload(tier);
        // No hash (an older operator applied it): counted as changed, so it takes its turn; an identical template
        // then changes no pod (the apply adds the annotation, the generation stays).
        boolean changed = existing.map(w -> !RolloutOrder.appliedHash(w).equals(Optional.of(hash))).orElse(true);
        RolloutOrder.Rollout rollout = existing.map(RolloutOrder::rollout).orElse(new RolloutOrder.Rollout(true, ""));
        tiersDecided.put(tier, new RolloutOrder.TierState(tier, existing.isPresent(), changed, rollout.done(),
                rollout.progress(), tier == RolloutOrder.Tier.PROXY && (writerMoved != null || writerNeedsProxies)));
        List<RolloutOrder.TierState> all = new ArrayList<>();
        for (RolloutOrder.Tier t : RolloutOrder.Tier.values()) {
            all.add(tiersDecided.containsKey(t) ? tiersDecided.get(t) : observedTier(t));
        }
        RolloutOrder.Verdict verdict = RolloutOrder.decide(tier, all);
        if (!verdict.roll()) {
            rolloutWaits.add(verdict.waiting());
        }
        return verdict.roll();
    }

    /** A tier not rendered yet in this reconcile, as the cache shows it (its template change is not known yet). */
    private RolloutOrder.TierState observedTier(RolloutOrder.Tier tier) {
        Optional<? extends HasMetadata> w = workload(tier);
        RolloutOrder.Rollout rollout = w.map(RolloutOrder::rollout).orElse(new RolloutOrder.Rollout(true, ""));
        return new RolloutOrder.TierState(tier, w.isPresent(), false, rollout.done(), rollout.progress());
    }

    private Optional<? extends HasMetadata> workload(RolloutOrder.Tier tier) {
        return switch (tier) {
            case DATABASE -> cache.get(StatefulSet.class, names.dbStatefulSet());
            case PROXY -> cache.get(Deployment.class, names.proxy());
            case API -> cache.get(Deployment.class, names.api());
            case FRONTEND -> cache.get(Deployment.class, names.frontend());
        };
    }

    /** What the waiting tiers wait for (status condition RolloutWaiting); empty when no tier waits. */
    public Optional<String> rolloutWaiting() {
        return rolloutWaits.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", rolloutWaits));
    }

    /** An event when the tiers that wait, or what they wait for, change (not for each pod of the rollout). */
    private void announceRolloutWaits() {
        Optional<String> now = rolloutWaiting();
        var previous = resource.getStatus() == null ? null
                : Conditions.find(resource.getStatus().conditions, Conditions.ROLLOUT_WAITING);
        String before = previous == null ? "" : withoutProgress(previous.getMessage());
        if (now.isPresent() && !withoutProgress(now.get()).equals(before)) {
            actions.add(new Action("RolloutWaiting", now.get() + " (one tier rolls at a time; the waiting tiers keep"
                    + " their current pods)"));
        }
    }

    private static String withoutProgress(String message) {
        return message == null ? "" : message.replaceAll(" \\([^)]*\\)", "");
    }

    /**
     * The operator's own check of the spec (SpecValidation), for when the CRD's schema did not run. False when it
     * refuses: then no step writes anything, and Ready=False with reason InvalidSpec names every refused field.
     */
    boolean acceptSpec() {
        List<SpecValidation.Refusal> refusals = new ArrayList<>(SpecValidation.check(stack.name(), stack.spec()));
        SpecValidation.checkVipImage(stack.spec(), stack.images().vipImageOverrideAllowed()).ifPresent(refusals::add);
        if (refusals.isEmpty()) {
            SpecValidation.checkDeleteWithStackChange(stack.spec(),
                    cache.get(StatefulSet.class, names.dbStatefulSet()).orElse(null)).ifPresent(refusals::add);
        }
        if (refusals.isEmpty()) {
            return true;
        }
        refusal = SpecValidation.describe(refusals);
        problems.add(new Problem(Conditions.READY, SpecValidation.REASON, refusal));
        return false;
    }

    /** Why the spec was refused in this reconcile, if it was. */
    public Optional<String> refusal() {
        return Optional.ofNullable(refusal);
    }

    /**
     * The passwords, created once and kept (see DatabaseCredentials). False when they are lost while the database
     * has data: then nothing else is applied and the status says what to do.
     */
    boolean ensureCredentials() {
        Secret main = readSecret(names.dbCredentials());
        Secret copy = readSecret(names.dbCredentialsInternal());
        DatabaseCredentials.Plan plan = DatabaseCredentials.plan(names, data(main), data(copy),
                !databaseVolumes().isEmpty());
        if (plan instanceof DatabaseCredentials.Lost lost) {
            boolean fresh = cache.get(StatefulSet.class, names.dbStatefulSet()).isEmpty();
            if (fresh && !volumesMatchEngine()) {
                return false; // volumes of another engine: that is the problem to report first
            }
            problems.add(new Problem(Conditions.DATABASE_READY, "CredentialsMissing", lost.message()));
            return false;
        }
        boolean owned = stack.spec().database.storage.deleteWithStack;
        if (plan instanceof DatabaseCredentials.Write write) {
            if (write.main()) {
                Map<String, String> data = new java.util.LinkedHashMap<>(main == null ? Map.of() : data(main));
                data.putAll(write.data()); // keep keys a person added; the three passwords come from the copy
                main = applier.writeSecret(DatabaseCredentials.secret(stack.name(), stack.namespace(), data),
                        main != null, owned);
            }
            if (write.copy()) {
                copy = applier.writeSecret(DatabaseCredentials.internalCopy(stack.name(), stack.namespace(),
                        write.data()), copy != null, owned);
            }
            if (write.restored()) {
                actions.add(new Action("CredentialsRestored", "Secret " + names.dbCredentials()
                        + " was deleted or edited; restored from " + names.dbCredentialsInternal()));
            }
        }
        // The Secrets live as long as the volumes: owned (garbage-collected with the stack) only when the volumes
        // are deleted with it, so a stack re-created on kept volumes finds the passwords they were made with.
        applier.setOwned(main, owned);
        applier.setOwned(copy, owned);
        return true;
    }

    /**
     * The agents' bearer token (AgentToken): kept while its Secret holds one, generated when it does not. Owned by
     * the MessageStack: it protects no data, so it goes with the stack.
     */
    void ensureAgentToken() {
        Secret existing = readSecret(names.dbAgentToken());
        String token = existing == null ? null : AgentToken.tokenOf(existing.getData());
        if (token == null) {
            token = AgentToken.generate();
            applier.writeSecret(AgentToken.secret(stack.name(), stack.namespace(), token), existing != null, true);
            if (existing != null) {
                actions.add(new Action("AgentTokenRegenerated", "Secret " + names.dbAgentToken() + " held no token;"
                        + " a new one was generated (the agents read it within about a minute)"));
            }
        }
        agentToken = token;
    }

    /**
     * The VRRP advert password (VrrpAuth) when the stack has virtual addresses: kept while its Secret holds one,
     * generated when it does not. Owned by the MessageStack. Its hash goes on the VIP pod templates (withVrrpAuth).
     */
    void ensureVrrpAuth() {
        if (!stack.spec().vip.enabled) {
            return;
        }
        Secret existing = readSecret(names.vrrpAuth());
        String password = existing == null ? null : VrrpAuth.passwordOf(existing.getData());
        if (password == null) {
            password = VrrpAuth.generate();
            applier.writeSecret(VrrpAuth.secret(stack.name(), stack.namespace(), password), existing != null, true);
            if (existing != null) {
                actions.add(new Action("VrrpAuthRegenerated", "Secret " + names.vrrpAuth() + " held no usable"
                        + " password; a new one was generated and the nginx and HAProxy pods roll onto it"));
            }
        }
        vrrpAuthHash = VrrpAuth.hash(password);
    }

    /** A VIP pod restarts when the password changes, so all of a role's sidecars use the same one. */
    private Deployment withVrrpAuth(Deployment deployment) {
        if (vrrpAuthHash != null) {
            deployment.getSpec().getTemplate().getMetadata().getAnnotations()
                    .put(VrrpAuth.HASH_ANNOTATION, vrrpAuthHash);
        }
        return deployment;
    }

    private Secret readSecret(String name) {
        return cache.get(Secret.class, name)
                // The cache may lag behind a Secret created a moment ago: ask the API server before deciding.
                .orElseGet(() -> client.secrets().inNamespace(stack.namespace()).withName(name).get());
    }

    private static Map<String, String> data(Secret secret) {
        return secret == null ? null : secret.getData() == null ? Map.of() : secret.getData();
    }

    private List<PersistentVolumeClaim> databaseVolumes() {
        return client.persistentVolumeClaims().inNamespace(stack.namespace())
                .withLabels(Labels.selector(stack.name(), Components.DATABASE)).list().getItems();
    }

    /** Server-side apply, skipped when the informer cache shows our last apply untouched. */
    @SuppressWarnings("unchecked")
    private <T extends HasMetadata> T apply(T desired) {
        if (!scrapeAnnotations) {
            io.messagestack.operator.common.Scrape.withoutAnnotations(desired);
        }
        Optional<T> cached = cache.get((Class<T>) desired.getClass(), desired.getMetadata().getName());
        return applier.apply(desired, cached);
    }

    boolean applyDatabase() {
        String script;
        try {
            script = ClasspathFiles.read(DatabaseCluster.START_SCRIPT_RESOURCE,
                    "the data-plane part (operator/src/main/resources/dataplane/galera-start.sh)");
        } catch (ClasspathFiles.MissingResourceException e) {
            problems.add(new Problem(Conditions.DATABASE_READY, "StartScriptMissing", e.getMessage()));
            return false;
        }
        Optional<StatefulSet> existing = cache.get(StatefulSet.class, names.dbStatefulSet());
        if (existing.isEmpty() && !volumesMatchEngine()) {
            return false;
        }
        DatabaseScaling.Step step = existing.isPresent()
                ? DatabaseScaling.next(stack.spec().database.replicas, DatabaseScaling.Current.of(existing.get()))
                : DatabaseScaling.first(stack.spec().database.replicas, highestVolumeOrdinal());
        dbReplicas = step.replicas();
        String hold = existing.isPresent() && step.stepped() && step.replicas() < step.from()
                ? writerBeforeScaleDown(step.from(), step.replicas()) : null;
        if (hold != null) {
            // The step would remove the writer's node, or the proxies do not write to its replacement yet.
            dbReplicas = step.from();
            problems.add(new Problem(Conditions.DATABASE_READY, "Scaling",
                    new DatabaseScaling.Step(step.from(), step.desired(), step.from(), hold).describe()));
        } else if (!step.atTarget()) {
            problems.add(new Problem(Conditions.DATABASE_READY, "Scaling", step.describe()));
            if (step.stepped()) {
                actions.add(new Action("DatabaseScaling", step.describe()));
            }
        }
        return applyDatabaseObjects(db(script), existing);
    }

    private DatabaseCluster db(String script) {
        return new DatabaseCluster(stack, script, dbReplicas);
    }

    private boolean applyDatabaseObjects(DatabaseCluster db, Optional<StatefulSet> existing) {
        var restore = stack.spec().database.restore;
        if (restore != null) {
            MessageStackBackup named = restore.backup == null ? null : client.resources(MessageStackBackup.class)
                    .inNamespace(stack.namespace()).withName(restore.backup).get();
            MessageStack source = restore.backup == null ? null : backupStack(restore.backup);
            var resolution = RestoreInit.resolve(restore, named, source);
            Optional<String> pointRefused = resolution.source() == null || existing.isPresent()
                    ? Optional.empty() : pointInTimeRefusal(restore, named, source);
            if (pointRefused.isPresent()) {
                problems.add(new Problem(Conditions.DATABASE_READY, "RestoreFailed", pointRefused.get()));
                return false;
            }
            if (resolution.source() != null) {
                db.restoreFrom(resolution.source());
            } else if (existing.isEmpty()) {
                // Never a StatefulSet without its restore: ordinal 0 would create a new, empty cluster.
                problems.add(new Problem(Conditions.DATABASE_READY, "RestoreFailed", resolution.reason()));
                return false;
            } else {
                // Restored already (the StatefulSet exists): the record or its stack may be gone since; keep the
                // StatefulSet's restore init container as it is.
                keepRestore = true;
            }
        }
        apply(db.peerService());
        apply(db.clientService());
        StatefulSet desired = db.statefulSet();
        desired.getSpec().getVolumeClaimTemplates().forEach(t ->
                t.getMetadata().getLabels().put(ENGINE_LABEL, stack.spec().database.engine.value()));
        existing.ifPresent(current -> keepVolumeClaimTemplates(current, desired));
        if (keepRestore) {
            existing.ifPresent(current -> keepRestoreInit(current, desired));
        }
        if (!mayRoll(RolloutOrder.Tier.DATABASE, desired)) {
            // Another tier rolls first: the StatefulSet, its partition and the files its pods read stay as they are.
            databaseBudgets(db);
            return true;
        }
        apply(db.config());
        apply(db.scripts());
        desired.getSpec().setUpdateStrategy(new io.fabric8.kubernetes.api.model.apps.StatefulSetUpdateStrategyBuilder()
                .withType("RollingUpdate").withNewRollingUpdate().withPartition(rollingPartition(existing))
                .endRollingUpdate().build());
        apply(desired);
        databaseBudgets(db);
        return true;
    }

    /** The pod runs on a Kubernetes node that is cordoned. */
    private boolean onCordonedNode(String pod) {
        return cache.pods(Components.DATABASE).stream().filter(p -> pod.equals(p.getMetadata().getName()))
                .map(p -> p.getSpec() == null ? null : p.getSpec().getNodeName())
                .anyMatch(node -> node != null && cache.nodeCordoned(node));
    }

    /**
     * The database budget and the writer's (WriterDisruption), applied so that no pod is ever selected by both: the
     * database budget first leaves out every pod either selects, then the writer's budget changes, then the database
     * budget takes back the pods it no longer protects. The writer's budget is read from the API server (not the
     * cache, which may lag behind the last apply).
     */
    private void databaseBudgets(DatabaseCluster db) {
        if (!stack.spec().placement.podDisruptionBudget) {
            applier.deleteIfPresent(PodDisruptionBudget.class, names.dbWriterPdb());
            applier.deleteIfPresent(PodDisruptionBudget.class, names.dbPdb());
            return;
        }
        PodDisruptionBudget current = client.policy().v1().podDisruptionBudget().inNamespace(stack.namespace())
                .withName(names.dbWriterPdb()).get();
        java.util.SortedSet<Integer> now = DatabaseCluster.ordinalsOf(current, names.dbStatefulSet());
        java.util.SortedSet<Integer> next = WriterDisruption.protect(writer, dbReplicas,
                writerMoved == null && proxiesRunWriter(), now);
        if (!next.equals(now)) {
            java.util.SortedSet<Integer> both = new java.util.TreeSet<>(now);
            both.addAll(next);
            applier.apply(db.disruptionBudgetExcluding(both));
            if (next.isEmpty()) {
                applier.deleteIfPresent(PodDisruptionBudget.class, names.dbWriterPdb());
            } else {
                applier.apply(db.writerDisruptionBudget(next));
            }
            applier.apply(db.disruptionBudgetExcluding(next)); // not the cached apply: the cache may not show the first
            return;
        }
        // The same pods as before: both kept as rendered (an older operator's spec, a hand edit), the database one
        // first so that the two never overlap.
        apply(db.disruptionBudgetExcluding(next));
        if (!next.isEmpty()) {
            apply(db.writerDisruptionBudget(next));
        }
    }

    /**
     * The writer's Kubernetes node is cordoned (a drain begins with that): move the writer to a Synced node on a
     * schedulable one before the drain can evict its pod (DrainSwitchover), as a switchover.
     */
    private void writerOffCordonedNode() {
        if (!onCordonedNode(names.dbStatefulSet() + "-" + writer)) {
            return; // the usual case, decided from the caches alone (no agent is asked)
        }
        List<DrainSwitchover.Node> nodes = new ArrayList<>();
        for (WriterSwitchover.Node n : switchoverNodes(dbReplicas)) {
            if (n.exists()) {
                nodes.add(new DrainSwitchover.Node(n.ordinal(), n.synced(), onCordonedNode(n.pod())));
            }
        }
        DrainSwitchover.Decision d = DrainSwitchover.decide(writer, proxiesRunWriter(), nodes);
        if (d.moveTo() != null) {
            String from = names.dbStatefulSet() + "-" + writer;
            String to = names.dbStatefulSet() + "-" + d.moveTo();
            moveWriter(d.moveTo(), WriterStatus.NODE_DRAIN, "writer moved from " + from + " to " + to
                    + " because the Kubernetes node of " + from + " is cordoned (a drain evicts it next)");
        } else if (d.waiting() != null) {
            writerNeedsProxies |= !proxiesRunWriter();
            problems.add(new Problem(Conditions.DATABASE_READY, "NodeDrain", d.waiting()));
        }
    }

    /**
     * After an unplanned failover HAProxy writes to a backup and sticks there: when every proxy pod that runs the
     * current haproxy.cfg sends the sessions to one other Synced node, that node becomes the rendered writer
     * (FollowProxies), so status.writer tells the truth and a proxy pod that starts later writes there too.
     */
    private void writerFollowsProxies() {
        if (!proxiesRunWriter()) {
            return; // a move is rolling out: pods of the last config may still write to the last writer
        }
        String hash = ConfigHash.of(new DatabaseProxy(stack, writer).config().getData());
        List<Pod> pods = cache.pods(Components.PROXY).stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null && io.messagestack.operator.common.Pods.isReady(p)
                        && p.getStatus().getPodIP() != null && p.getMetadata().getAnnotations() != null
                        && hash.equals(p.getMetadata().getAnnotations().get(ConfigHash.ANNOTATION)))
                .sorted(Comparator.comparing(p -> p.getMetadata().getName())).toList();
        if (pods.isEmpty()) {
            return;
        }
        var views = pods.stream().map(p -> PROXY_SESSIONS.sessions(p.getStatus().getPodIP())).toList();
        java.util.Set<Integer> synced = new java.util.TreeSet<>();
        for (WriterSwitchover.Node n : switchoverNodes(dbReplicas)) {
            if (n.synced()) {
                synced.add(n.ordinal());
            }
        }
        FollowProxies.Decision d = FollowProxies.decide(writer, views, synced);
        if (d.adopt() != null) {
            String from = names.dbStatefulSet() + "-" + writer;
            String to = names.dbStatefulSet() + "-" + d.adopt();
            LOG.infof("writer follows the proxies stack=%s/%s from=%s to=%s proxies=%d", stack.namespace(),
                    stack.name(), from, to, pods.size());
            moveWriter(d.adopt(), WriterStatus.FAILOVER, "HAProxy moved the writes from " + from + " to " + to
                    + " when " + from + " failed its health checks, and stays there; the operator now names " + to
                    + " the writer, so status.writer is true and a proxy pod that starts later writes there too"
                    + " (no write moves)");
        } else if (d.note() != null) {
            LOG.infof("writer not adopted stack=%s/%s writer=%s-%d reason=\"%s\"", stack.namespace(), stack.name(),
                    names.dbStatefulSet(), writer, d.note());
        }
    }

    /** A restore to a point in time the API already shows the archive cannot reach (PointInTimeRestore). */
    private static Optional<String> pointInTimeRefusal(io.messagestack.operator.crd.RestoreSpec restore,
                                                       MessageStackBackup named, MessageStack source) {
        if (restore.pointInTime == null) {
            return Optional.empty();
        }
        var t = SpecValidation.pointInTime(restore.pointInTime);
        if (t.isEmpty()) {
            return Optional.of("spec.database.restore.pointInTime is not an RFC 3339 time");
        }
        java.time.Instant end = null;
        if (named != null && named.getStatus() != null && named.getStatus().endTime != null) {
            try {
                end = java.time.Instant.parse(named.getStatus().endTime);
            } catch (java.time.format.DateTimeParseException e) {
                end = null;
            }
        }
        return PointInTimeRestore.refusal(t.get(), restore.backup, end,
                source == null ? null : source.getMetadata().getName(),
                source != null && source.getSpec() != null && source.getSpec().pointInTimeRecovery(),
                source == null || source.getStatus() == null ? null : source.getStatus().pointInTimeRecovery);
    }

    private MessageStack backupStack(String backup) {
        MessageStackBackup b = client.resources(MessageStackBackup.class).inNamespace(stack.namespace()).withName(backup).get();
        if (b == null || b.getSpec() == null || b.getSpec().stack == null) {
            return null;
        }
        return client.resources(MessageStack.class).inNamespace(stack.namespace()).withName(b.getSpec().stack).get();
    }

    private static void keepRestoreInit(StatefulSet current, StatefulSet desired) {
        var cur = current.getSpec().getTemplate().getSpec();
        var des = desired.getSpec().getTemplate().getSpec();
        cur.getInitContainers().stream().filter(c -> RestoreInit.CONTAINER.equals(c.getName())).findFirst()
                .ifPresent(c -> des.getInitContainers().add(c));
        cur.getVolumes().stream().filter(v -> v.getName().equals(RestoreInit.SOURCE_VOLUME)
                || v.getName().equals(RestoreInit.CA_VOLUME)).forEach(v -> des.getVolumes().add(v));
    }

    /**
     * Volume claim templates of a StatefulSet cannot change. Keep the current ones; a larger size is applied to
     * the existing claims instead (the StorageClass must allow expansion, else the status says so).
     */
    private void keepVolumeClaimTemplates(StatefulSet current, StatefulSet desired) {
        if (current.getSpec().getVolumeClaimTemplates() == null || current.getSpec().getVolumeClaimTemplates().isEmpty()) {
            return;
        }
        Quantity wanted = desired.getSpec().getVolumeClaimTemplates().get(0).getSpec().getResources().getRequests()
                .get("storage");
        Quantity created = current.getSpec().getVolumeClaimTemplates().get(0).getSpec().getResources().getRequests()
                .get("storage");
        desired.getSpec().setVolumeClaimTemplates(current.getSpec().getVolumeClaimTemplates());
        if (created != null && Quantity.getAmountInBytes(wanted).compareTo(Quantity.getAmountInBytes(created)) <= 0) {
            return; // the size the volumes were created with: nothing to grow
        }
        for (int i = 0; i < stack.spec().database.replicas; i++) {
            String pvcName = DatabaseCluster.DATA_VOLUME + "-" + names.dbStatefulSet() + "-" + i;
            PersistentVolumeClaim pvc = client.persistentVolumeClaims().inNamespace(stack.namespace())
                    .withName(pvcName).get();
            if (pvc == null) {
                continue;
            }
            Quantity has = pvc.getSpec().getResources().getRequests().get("storage");
            if (has != null && Quantity.getAmountInBytes(wanted).compareTo(Quantity.getAmountInBytes(has)) > 0) {
                try {
                    client.persistentVolumeClaims().inNamespace(stack.namespace()).withName(pvcName)
                            .edit(p -> {
                                p.getSpec().getResources().getRequests().put("storage", wanted);
                                return p;
                            });
                } catch (KubernetesClientException e) {
                    problems.add(new Problem(Conditions.DATABASE_READY, "VolumeResizeFailed",
                            "spec.database.storage.size " + wanted + " could not be applied to " + pvcName
                                    + " (does its StorageClass allow volume expansion?): " + e.getMessage()));
                }
            }
        }
    }

    /** Highest ordinal of this stack's data volumes ({@code datadir-<name>-db-N}), -1 when there are none. */
    private int highestVolumeOrdinal() {
        String prefix = DatabaseCluster.DATA_VOLUME + "-" + names.dbStatefulSet() + "-";
        int highest = -1;
        for (PersistentVolumeClaim claim : databaseVolumes()) {
            String name = claim.getMetadata().getName();
            if (name.startsWith(prefix) && name.substring(prefix.length()).matches("[0-9]{1,6}")) {
                highest = Math.max(highest, Integer.parseInt(name.substring(prefix.length())));
            }
        }
        return highest;
    }

    /** A new StatefulSet must not start on volumes left behind by a stack with another engine. */
    private boolean volumesMatchEngine() {
        List<PersistentVolumeClaim> claims = databaseVolumes();
        String engine = stack.spec().database.engine.value();
        for (PersistentVolumeClaim claim : claims) {
            String onVolume = claim.getMetadata().getLabels() == null ? null
                    : claim.getMetadata().getLabels().get(ENGINE_LABEL);
            if (onVolume != null && !onVolume.equals(engine)) {
                problems.add(new Problem(Conditions.DATABASE_READY, "EngineMismatch",
                        "volume " + claim.getMetadata().getName() + " holds " + onVolume + " data but spec.database"
                                + ".engine is " + engine + "; set the engine back, or delete the old volumes"
                                + " yourself if their data is not needed"));
                return false;
            }
        }
        return true;
    }

    void applyProxy() {
        DatabaseProxy proxy = new DatabaseProxy(stack, writer);
        var config = proxy.config();
        config.getMetadata().setAnnotations(WriterRecord.annotations(writerStatus()));
        Deployment deployment = withVrrpAuth(proxy.deployment());
        boolean roll = mayRoll(RolloutOrder.Tier.PROXY, deployment);
        if (!roll && appliedProxyConfig != null && appliedProxyConfig.getData() != null) {
            // Waiting (the writer did not move: that would roll now): the haproxy.cfg the running pods started with
            // stays, so a pod restarted meanwhile runs it too; the writer record is kept up to date.
            config.setData(appliedProxyConfig.getData());
        }
        apply(config);
        apply(proxy.service());
        if (roll) {
            apply(deployment);
        }
        budget(proxy.disruptionBudget());
    }

    /** message-api is created once a majority of database nodes is usable, so it does not start in a crash loop. */
    boolean applyApi(boolean databaseUsable) {
        MessageApi api = new MessageApi(stack);
        Service service = apply(api.service());
        apply(api.podsService());
        apiServiceAddress = service.getSpec() == null ? null : service.getSpec().getClusterIP();
        budget(api.disruptionBudget());
        boolean exists = cache.get(Deployment.class, names.api()).isPresent();
        if (!exists && !databaseUsable) {
            return false;
        }
        Deployment deployment = api.deployment();
        if (mayRoll(RolloutOrder.Tier.API, deployment)) {
            apply(deployment);
        }
        return true;
    }

    void applyFrontend() {
        Map<String, String> page;
        try {
            page = ClasspathFiles.readFolder(Frontend.PAGE_RESOURCE_DIR, "index.html",
                    "frontend/ (copied into the operator at build time)");
        } catch (ClasspathFiles.MissingResourceException e) {
            problems.add(new Problem(Conditions.FRONTEND_READY, "PageMissing", e.getMessage()));
            page = Map.of("index.html", "<!doctype html><title>MessageStack</title><p>The page was not built into"
                    + " the operator.</p>\n");
        }
        Frontend frontend = new Frontend(stack, page);
        apply(frontend.service());
        Deployment deployment = frontend.deployment();
        if (apiServiceAddress != null) {
            // nginx resolves the API Service name once, at start: if the Service is re-created (new ClusterIP),
            // the frontend pods must restart to see it.
            deployment.getSpec().getTemplate().getMetadata().getAnnotations()
                    .put("messagestack.io/api-service-address", apiServiceAddress);
        }
        withVrrpAuth(deployment);
        if (mayRoll(RolloutOrder.Tier.FRONTEND, deployment)) {
            // nginx re-reads nginx.conf at each reload: its files change only with the pods that are started for them.
            apply(frontend.config());
            apply(frontend.page());
            apply(deployment);
        }
        budget(frontend.disruptionBudget());
    }

    void applyVip() {
        if (!stack.spec().vip.enabled) {
            applier.deleteIfPresent(io.fabric8.kubernetes.api.model.ConfigMap.class, names.vipConfig());
            for (Keepalived.Role role : Keepalived.Role.values()) {
                applier.deleteIfPresent(Service.class, Keepalived.peerServiceName(stack, role));
            }
            return;
        }
        for (HasMetadata object : Keepalived.desired(stack)) {
            apply(object);
        }
    }

    /**
     * spec.backup.pointInTimeRecovery: one archiver Deployment following the node ArchiverNodeChoice picks among the
     * Synced ones (docs/pitr.md); a move is an event. Off: the Deployment is removed (the archive is kept: nothing
     * here deletes a binary log or a backup).
     */
    void applyBinlogArchiver(boolean databaseApplied) {
        Optional<Deployment> existing = cache.get(Deployment.class, names.binlogArchiver());
        if (!stack.spec().pointInTimeRecovery()) {
            if (existing.isPresent()) {
                applier.deleteIfPresent(Deployment.class, names.binlogArchiver());
                actions.add(new Action("BinlogArchiverRemoved", "point-in-time recovery is off: the binary log archiver"
                        + " was removed; the archive in the backup storage is kept"));
            }
            return;
        }
        if (!databaseApplied) {
            return; // the database is not there (yet): nothing to follow, and the status says why
        }
        String current = existing.flatMap(BinlogArchiver::followedPod).orElse(null);
        List<ArchiverNodeChoice.Node> nodes = switchoverNodes(dbReplicas).stream()
                .map(n -> new ArchiverNodeChoice.Node(n.pod(), n.ordinal(), n.synced())).toList();
        ArchiverNodeChoice.Choice choice = ArchiverNodeChoice.choose(nodes, current,
                names.dbStatefulSet() + "-" + writer);
        if (choice.pod().isEmpty()) {
            archiver = new ArchiverObservation(null, choice.reason(), Optional.empty());
            return;
        }
        String pod = choice.pod().get();
        apply(BinlogArchiver.build(stack, Integer.parseInt(pod.substring(pod.lastIndexOf('-') + 1))));
        if (choice.moved()) {
            actions.add(new Action("BinlogArchiverMoved", "binary log archiver: " + choice.reason()
                    + "; it continues after the archive's last transaction"));
        }
        Optional<PitrHealth.Report> report = cache.pods(Components.BINLOG_ARCHIVER).stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .filter(p -> p.getStatus() != null && p.getStatus().getPodIP() != null)
                .findFirst().flatMap(p -> ARCHIVER_PROBE.query(p.getStatus().getPodIP()));
        archiver = new ArchiverObservation(pod, null, report);
    }

    /** The archiver as this reconcile saw it; empty when point-in-time recovery is off. */
    public Optional<ArchiverObservation> archiver() {
        return Optional.ofNullable(archiver);
    }

    void applyNetworkPolicies() {
        for (NetworkPolicy policy : NetworkPolicies.desired(stack, operatorNamespace,
                nodeAddresses(Components.PROXY), nodeAddresses(Components.FRONTEND))) {
            apply(policy);
        }
    }

    private void budget(PodDisruptionBudget pdb) {
        if (stack.spec().placement.podDisruptionBudget) {
            apply(pdb);
        } else {
            applier.deleteIfPresent(PodDisruptionBudget.class, pdb.getMetadata().getName());
        }
    }

    /** Node addresses of a component's scheduled pods, sorted, for keepalived peers and network policies. */
    private List<String> nodeAddresses(String component) {
        return cache.pods(component).stream()
                .map(p -> p.getStatus() == null ? null : p.getStatus().getHostIP())
                .filter(ip -> ip != null && !ip.isBlank())
                .distinct().sorted().toList();
    }

    private Observed observe(boolean databaseApplied, boolean apiCreated) {
        Optional<StatefulSet> sts = cache.get(StatefulSet.class, names.dbStatefulSet());
        int dbReady = readyReplicas(sts, StatefulSet::getStatus);
        GaleraStatus galera = null;
        if (databaseApplied) {
            if (stack.spec().database.restore != null) {
                restoreProgress();
            }
            List<GaleraProbe.PodState> states = probeStates();
            if (!states.isEmpty() || cache.pods(Components.DATABASE).stream()
                    .anyMatch(p -> p.getStatus() != null && p.getStatus().getPodIP() != null)) {
                galera = GaleraProbe.summarize(states.stream().map(GaleraProbe.PodState::state).toList());
                FullCrashRecovery.Decision decision = recoverFromFullCrash(states);
                if (galera != null) {
                    galera.nodes = decision.rows();
                    galera.lastBootstrap = lastBootstrap;
                }
            }
        }
        return new Observed(
                dbReady, stack.spec().database.replicas,
                readyReplicas(cache.get(Deployment.class, names.proxy()), Deployment::getStatus),
                stack.spec().proxy.replicas,
                readyReplicas(cache.get(Deployment.class, names.api()), Deployment::getStatus),
                stack.spec().api.replicas, apiCreated,
                readyReplicas(cache.get(Deployment.class, names.frontend()), Deployment::getStatus),
                stack.spec().frontend.replicas,
                galera, pageUrl(), List.copyOf(problems),
                recordedWriter != null && (databaseApplied || sts.isPresent()) ? writerStatus() : null);
    }

    /**
     * After a full crash, carry out what {@link FullCrashRecovery} decides: POST /bootstrap to the chosen node, or
     * wait / refuse with the reason in the DatabaseReady condition. Each new step is an event.
     */
    private FullCrashRecovery.Decision recoverFromFullCrash(List<GaleraProbe.PodState> states) {
        List<String> expected = java.util.stream.IntStream.range(0, dbReplicas)
                .mapToObj(i -> names.dbStatefulSet() + "-" + i).toList();
        String force = annotation(FullCrashRecovery.FORCE_ANNOTATION);
        FullCrashRecovery.Decision d = FullCrashRecovery.decide(expected, states, force);
        crashDecision = d;
        switch (d.outcome()) {
            case NONE -> {
                if (force != null && "PrimaryComponent".equals(d.reason())) {
                    removeForceAnnotation(force);
                }
            }
            case WAIT, REFUSE -> {
                problems.add(new Problem(Conditions.DATABASE_READY, d.reason(), d.message()));
                if (newStep(d.reason(), d)) {
                    actions.add(new Action(d.reason(), d.message(), d.outcome() == FullCrashRecovery.Outcome.REFUSE));
                }
            }
            case BOOTSTRAP -> {
                GaleraProbe.BootstrapAnswer answer = galeraProbe.requestBootstrap(d.ip(), agentToken);
                boolean sent = answer.accepted();
                String message = sent ? "bootstrapping " + d.pod() + ": " + d.message()
                        : d.pod() + " did not accept the bootstrap (" + answer.answer() + "); asking again at the next"
                        + " reconcile. The decision: " + d.message();
                String reason = sent ? d.reason() : "BootstrapRequestFailed";
                if (sent || newStep(reason, d)) {
                    actions.add(new Action(reason, message, d.forced() || !sent));
                }
                problems.add(new Problem(Conditions.DATABASE_READY, reason, message));
                if (sent) {
                    lastBootstrap = new GaleraBootstrapStatus();
                    lastBootstrap.pod = d.pod();
                    lastBootstrap.uuid = d.uuid();
                    lastBootstrap.seqno = d.seqno();
                    lastBootstrap.forced = d.forced();
                    lastBootstrap.forcedBy = d.forcedBy();
                    lastBootstrap.reason = FullCrashRecovery.shorten(d.message(), 1000);
                    lastBootstrap.time = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                            .toString();
                }
            }
        }
        return d;
    }

    /** Restoring / RestoreFailed from ordinal 0's restore init container: a DatabaseReady reason and an event. */
    private void restoreProgress() {
        String first = names.dbStatefulSet() + "-0";
        cache.pods(Components.DATABASE).stream().filter(p -> first.equals(p.getMetadata().getName())).findFirst()
                .flatMap(RestoreInit::progress).ifPresent(r -> {
                    problems.add(new Problem(Conditions.DATABASE_READY, r[0], r[1]));
                    var previous = resource.getStatus() == null ? null
                            : Conditions.find(resource.getStatus().conditions, Conditions.DATABASE_READY);
                    if (previous == null || !r[0].equals(previous.getReason())) {
                        actions.add(new Action(r[0], r[1], r[0].equals("RestoreFailed")));
                    }
                });
    }

    /** A step worth an event: its reason or a node's state changed since the last status. */
    private boolean newStep(String reason, FullCrashRecovery.Decision d) {
        var previous = resource.getStatus();
        if (previous == null) {
            return true;
        }
        var condition = Conditions.find(previous.conditions, Conditions.DATABASE_READY);
        if (condition == null || !reason.equals(condition.getReason())) {
            return true;
        }
        List<String> before = previous.galera == null || previous.galera.nodes == null ? List.of()
                : previous.galera.nodes.stream().map(n -> n.pod + "=" + n.state).toList();
        List<String> now = d.nodes().stream().map(n -> n.pod() + "=" + n.kind().text).toList();
        return !before.equals(now);
    }

    /**
     * The StatefulSet's partition: RollingWriter holds the writer's pod in a rolling change until the writer has moved
     * to an updated node and every proxy pod writes there (a switchover, with an event).
     */
    private int rollingPartition(Optional<StatefulSet> existing) {
        if (existing.isEmpty()) {
            return Math.min(writer + 1, dbReplicas);
        }
        var st = existing.get().getStatus();
        long generation = existing.get().getMetadata().getGeneration() == null ? 0
                : existing.get().getMetadata().getGeneration();
        String update = st == null ? null : st.getUpdateRevision();
        boolean known = update != null && st.getObservedGeneration() != null && st.getObservedGeneration() >= generation;
        List<RollingWriter.Node> nodes = new ArrayList<>();
        for (WriterSwitchover.Node n : switchoverNodes(dbReplicas)) {
            if (!n.exists()) {
                continue;
            }
            String revision = cache.pods(Components.DATABASE).stream()
                    .filter(p -> n.pod().equals(p.getMetadata().getName())).findFirst()
                    .map(p -> p.getMetadata().getLabels() == null ? null
                            : p.getMetadata().getLabels().get("controller-revision-hash")).orElse(null);
            nodes.add(new RollingWriter.Node(n.ordinal(), update != null && update.equals(revision), n.synced()));
        }
        RollingWriter.Plan plan = RollingWriter.plan(writer, dbReplicas, known, nodes, writerMoved == null
                && proxiesRunWriter());
        if (plan.moveTo() != null && writerMoved == null) {
            String from = names.dbStatefulSet() + "-" + writer;
            String to = names.dbStatefulSet() + "-" + plan.moveTo();
            moveWriter(plan.moveTo(), WriterStatus.ROLLING_UPDATE, "writer moved from " + from + " to " + to
                    + " before the rolling change restarts " + from);
            problems.add(new Problem(Conditions.DATABASE_READY, "RollingUpdate", "moving the writer from " + from
                    + " to " + to + " before " + from + " restarts"));
        } else if (plan.waiting() != null) {
            writerNeedsProxies |= plan.waitsForProxies();
            problems.add(new Problem(Conditions.DATABASE_READY, "RollingUpdate", plan.waiting()));
        }
        return Math.min(plan.partition(), dbReplicas);
    }

    /**
     * The proxy ConfigMap as the API server has it now (not the informer cache, which may not have seen the last
     * reconcile's apply yet: rendering an older writer again would move the writes back). Null for a new stack.
     */
    private io.fabric8.kubernetes.api.model.ConfigMap proxyConfigNow() {
        return client.configMaps().inNamespace(stack.namespace()).withName(names.proxyConfig()).get();
    }

    /** The writer the applied haproxy.cfg names; node 0 for a new stack (or a config this operator cannot read). */
    private int appliedWriter(io.fabric8.kubernetes.api.model.ConfigMap applied) {
        return Optional.ofNullable(applied).map(cm -> cm.getData() == null ? null
                        : cm.getData().get(DatabaseProxy.CONFIG_KEY))
                .flatMap(HaproxyConfigRenderer::writerOf).orElse(0);
    }

    /** The agents' answers of the database pods that have an address, asked once per reconcile. */
    private List<GaleraProbe.PodState> probeStates() {
        if (probed == null) {
            List<String[]> pods = cache.pods(Components.DATABASE).stream()
                    .filter(p -> p.getStatus() != null && p.getStatus().getPodIP() != null)
                    .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
                    .map(p -> new String[] {p.getMetadata().getName(), p.getStatus().getPodIP()}).toList();
            probed = pods.isEmpty() ? List.of() : galeraProbe.probeAll(pods);
        }
        return probed;
    }

    /** The database nodes 0..replicas-1 as a switchover sees them: pod present, Ready, and Synced per its agent. */
    private List<WriterSwitchover.Node> switchoverNodes(int replicas) {
        List<WriterSwitchover.Node> nodes = new ArrayList<>();
        for (int i = 0; i < replicas; i++) {
            String name = names.dbStatefulSet() + "-" + i;
            Pod pod = cache.pods(Components.DATABASE).stream().filter(p -> name.equals(p.getMetadata().getName()))
                    .filter(p -> p.getMetadata().getDeletionTimestamp() == null).findFirst().orElse(null);
            boolean ready = io.messagestack.operator.common.Pods.isReady(pod);
            boolean synced = ready && probeStates().stream().filter(s -> name.equals(s.pod())).anyMatch(
                    s -> s.state().synced() && "Primary".equals(s.state().clusterStatus()));
            nodes.add(new WriterSwitchover.Node(name, i, pod != null, synced));
        }
        return nodes;
    }

    /**
     * A person's switchover request (annotation): WriterSwitchover decides; a switch renders the target as the
     * proxies' writer (applyProxy), a refusal leaves the writer where it is. Either way an event, status.writer
     * .lastRequest, and the annotation is removed so that it does not act again later.
     */
    private void requestSwitchover(String value) {
        int replicas = cache.get(StatefulSet.class, names.dbStatefulSet())
                .map(s -> s.getSpec().getReplicas() == null ? 1 : s.getSpec().getReplicas()).orElse(0);
        WriterSwitchover.Decision d = WriterSwitchover.decide(value, names.dbStatefulSet(), replicas, writer,
                switchoverNodes(replicas));
        switchoverRequest = new SwitchoverRequestStatus();
        switchoverRequest.target = value == null ? "" : value;
        switchoverRequest.reason = d.reason();
        switchoverRequest.message = d.message();
        switchoverRequest.time = now();
        if (d.outcome() == WriterSwitchover.Outcome.SWITCH) {
            switchoverRequest.outcome = WriterSwitchover.SWITCHED;
            moveWriter(d.target(), WriterStatus.SWITCHOVER, d.message());
        } else {
            switchoverRequest.outcome = WriterSwitchover.REFUSED;
            actions.add(new Action(d.reason(), d.message(), true));
        }
    }

    private void moveWriter(int to, String reason, String message) {
        writer = to;
        writerMoved = new WriterStatus();
        writerMoved.pod = names.dbStatefulSet() + "-" + to;
        writerMoved.reason = reason;
        writerMoved.message = message + "; the proxies roll onto a haproxy.cfg with it as the active server";
        writerMoved.since = now();
        actions.add(new Action(WriterStatus.SWITCHOVER.equals(reason) ? "WriterSwitchover" : "WriterMoved",
                writerMoved.message));
    }

    /**
     * Before a scale-down step that removes the writer's node (ordinal at or above {@code to}), the writer moves to
     * the lowest Synced node that stays, and the step waits until every proxy pod runs that config (their old
     * sessions end with them, so none still writes to the leaving node). Null: step now; else what it waits for.
     */
    private String writerBeforeScaleDown(int from, int to) {
        String leaving = names.dbStatefulSet() + "-" + writer;
        if (writer >= to) {
            Optional<WriterSwitchover.Node> replacement = WriterSwitchover.replacement(writer, to,
                    switchoverNodes(from));
            if (replacement.isEmpty()) {
                return "waiting for a Synced node below " + names.dbStatefulSet() + "-" + to + " to move the writer"
                        + " (" + leaving + ") to";
            }
            moveWriter(replacement.get().ordinal(), WriterStatus.SCALE_DOWN, "writer moved from " + leaving + " to "
                    + replacement.get().pod() + " before the scale-down removes " + leaving);
            return "moving the writer from " + leaving + " to " + replacement.get().pod();
        }
        if (recordedWriter != null && WriterStatus.SCALE_DOWN.equals(recordedWriter.reason) && !proxiesRunWriter()) {
            writerNeedsProxies = true;
            return "waiting for every proxy pod to write to " + names.dbStatefulSet() + "-" + writer;
        }
        return null;
    }

    /** Every proxy pod runs the haproxy.cfg that names the current writer (the rollout is done). */
    private boolean proxiesRunWriter() {
        Optional<Deployment> d = cache.get(Deployment.class, names.proxy());
        if (d.isEmpty() || d.get().getStatus() == null) {
            return false;
        }
        String wanted = ConfigHash.of(new DatabaseProxy(stack, writer).config().getData());
        var annotations = d.get().getSpec().getTemplate().getMetadata().getAnnotations();
        var st = d.get().getStatus();
        int desired = d.get().getSpec().getReplicas() == null ? 1 : d.get().getSpec().getReplicas();
        long generation = d.get().getMetadata().getGeneration() == null ? 0 : d.get().getMetadata().getGeneration();
        return annotations != null && wanted.equals(annotations.get(ConfigHash.ANNOTATION))
                && st.getObservedGeneration() != null && st.getObservedGeneration() >= generation
                && zero(st.getUpdatedReplicas()) >= desired && zero(st.getReplicas()) == zero(st.getUpdatedReplicas());
    }

    private static int zero(Integer i) {
        return i == null ? 0 : i;
    }

    /** The request has been answered (status and event): remove it, so it cannot act again later. */
    private void removeSwitchoverAnnotation() {
        try {
            client.resources(MessageStack.class).inNamespace(stack.namespace()).withName(stack.name())
                    .edit(ms -> {
                        if (ms.getMetadata().getAnnotations() != null) {
                            ms.getMetadata().getAnnotations().remove(WriterSwitchover.ANNOTATION);
                        }
                        return ms;
                    });
        } catch (KubernetesClientException e) {
            actions.add(new Action("SwitchoverAnnotationNotRemoved", "annotation " + WriterSwitchover.ANNOTATION
                    + " could not be removed (" + e.getMessage() + "); remove it by hand", true));
        }
    }

    /** status.writer: the node the proxies write to, and the reason and time it became the writer. */
    private WriterStatus writerStatus() {
        WriterStatus w = new WriterStatus();
        WriterStatus from = writerMoved != null ? writerMoved : recordedWriter;
        w.pod = names.dbStatefulSet() + "-" + writer;
        w.reason = from.reason;
        w.message = from.message;
        w.since = from.since;
        w.lastRequest = switchoverRequest != null ? switchoverRequest : recordedWriter.lastRequest;
        return w;
    }

    private static String now() {
        return java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }

    private boolean hasAnnotation(String key) {
        Map<String, String> annotations = resource.getMetadata().getAnnotations();
        return annotations != null && annotations.containsKey(key);
    }

    private String annotation(String key) {
        Map<String, String> annotations = resource.getMetadata().getAnnotations();
        String v = annotations == null ? null : annotations.get(key);
        return v == null || v.isBlank() ? null : v.trim();
    }

    /**
     * A Primary component exists again: the force annotation has done its work (or was never needed). Left in place
     * it would choose for a later, unrelated full crash, so it is removed, with an event.
     */
    private void removeForceAnnotation(String value) {
        try {
            MessageStack current = client.resources(MessageStack.class).inNamespace(stack.namespace())
                    .withName(stack.name()).get();
            if (current == null || current.getMetadata().getAnnotations() == null
                    || !current.getMetadata().getAnnotations().containsKey(FullCrashRecovery.FORCE_ANNOTATION)) {
                return; // already removed (the cache lags behind our own edit)
            }
            client.resources(MessageStack.class).inNamespace(stack.namespace()).withName(stack.name())
                    .edit(ms -> {
                        if (ms.getMetadata().getAnnotations() != null) {
                            ms.getMetadata().getAnnotations().remove(FullCrashRecovery.FORCE_ANNOTATION);
                        }
                        return ms;
                    });
            actions.add(new Action("ForceBootstrapAnnotationRemoved", "the database has a Primary component;"
                    + " annotation " + FullCrashRecovery.FORCE_ANNOTATION + "=" + value
                    + " removed so that it cannot choose for a later full crash"));
        } catch (KubernetesClientException e) {
            actions.add(new Action("ForceBootstrapAnnotationNotRemoved", "annotation "
                    + FullCrashRecovery.FORCE_ANNOTATION + "=" + value + " could not be removed (" + e.getMessage()
                    + "); remove it by hand: it would choose the bootstrap node of a later full crash", true));
        }
    }

    public List<Action> actions() {
        return actions;
    }

    private static <T, S> int readyReplicas(Optional<T> owner, Function<T, S> status) {
        return owner.map(status).map(s -> {
            Integer ready = s instanceof io.fabric8.kubernetes.api.model.apps.StatefulSetStatus st
                    ? st.getReadyReplicas()
                    : ((io.fabric8.kubernetes.api.model.apps.DeploymentStatus) s).getReadyReplicas();
            return ready == null ? 0 : ready;
        }).orElse(0);
    }

    /** Where a person can open the page: the VIP, a load balancer, a node port, or the in-cluster Service. */
    String pageUrl() {
        if (stack.spec().vip.enabled && stack.spec().vip.frontendAddress != null) {
            return "http://" + stack.spec().vip.frontendAddress + "/";
        }
        Optional<Service> svc = cache.get(Service.class, names.frontend());
        FrontendServiceSpec.Type type = stack.spec().frontend.service.type;
        if (svc.isPresent() && type == FrontendServiceSpec.Type.LoadBalancer && svc.get().getStatus() != null
                && svc.get().getStatus().getLoadBalancer() != null
                && svc.get().getStatus().getLoadBalancer().getIngress() != null
                && !svc.get().getStatus().getLoadBalancer().getIngress().isEmpty()) {
            var ingress = svc.get().getStatus().getLoadBalancer().getIngress().get(0);
            return "http://" + (ingress.getIp() != null ? ingress.getIp() : ingress.getHostname()) + "/";
        }
        if (svc.isPresent() && type != FrontendServiceSpec.Type.ClusterIP) {
            Integer nodePort = svc.get().getSpec().getPorts().get(0).getNodePort();
            List<String> nodes = nodeAddresses(Components.FRONTEND);
            if (nodePort != null && !nodes.isEmpty()) {
                return "http://" + nodes.get(0) + ":" + nodePort + "/";
            }
        }
        return "http://" + stack.serviceHost(names.frontend()) + "/";
    }
}
