package io.messagestack.operator.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.messagestack.operator.common.ConfigHash;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which tier may roll its pods now, when the rendered pod templates of several tiers change together (an operator
 * upgrade renders every tier anew; one spec change can touch several). Rolling them all at once restarted the
 * database, HAProxy, message-api and nginx in the same minute and cost requests (chaos/notes/operator-upgrade.md);
 * one tier at a time keeps every other tier whole while one restarts.
 * <p>
 * The order is the dependency order, bottom up: the database first (its rolling change moves HAProxy's writer, so
 * it must be able to roll the proxies meanwhile, see {@link TierState#writerNeedsIt}), then the proxies (whose
 * pods the writer move rolls anyway), then message-api (a new API pod's connection pool opens against the proxies
 * that now stay put), then the frontend, whose new nginx pods find the API pods they will keep.
 * <p>
 * The rules, for one tier:
 * <ol>
 * <li>no workload yet, or its template unchanged: apply (nothing restarts, or nothing exists to disrupt);</li>
 * <li>the proxies' roll the writer needs (a writer move, or the database's roll waiting for every proxy to write to
 * the writer): apply, whatever else rolls (no database pod restarts meanwhile: RollingWriter holds them);</li>
 * <li>its own workload is not rolled out: apply (it is the tier rolling now, or a broken one a new template may
 * repair; holding it back could never end);</li>
 * <li>an earlier tier changes too (applied in this reconcile, or waiting): wait for it;</li>
 * <li>another tier is still rolling (updated or available pods short of desired, or generation not observed):
 * wait for it;</li>
 * <li>else apply: it is this tier's turn.</li>
 * </ol>
 * A waiting tier keeps its current template (and the config files its pods read); the status and an event say what
 * it waits for. Pure: RolloutOrderTest.
 */
public final class RolloutOrder {
    /** On a workload: the hash of the pod template this operator last applied (the template plus its config hashes). */
    public static final String TEMPLATE_HASH_ANNOTATION = "messagestack.io/template-hash";

    private RolloutOrder() {
    }

    /** The tiers, in the order they roll. */
    public enum Tier {
        DATABASE("database"), PROXY("proxy"), API("message-api"), FRONTEND("frontend");

        public final String text;

        Tier(String text) {
            this.text = text;
        }
    }

    /**
     * One tier as a reconcile sees it.
     *
     * @param exists          its workload (StatefulSet or Deployment) exists
     * @param templateChanged the rendered pod template differs from the applied one (unknown for a tier not rendered
     *                        yet in this reconcile: pass false, the rules never read it for a later tier)
     * @param rolledOut       generation observed and every desired pod updated and available
     * @param progress        for the status, e.g. "1 of 3 pods updated, 2 available"
     * @param writerNeedsIt   only the proxies: the writer moved in this reconcile, or a writer step waits for every proxy
     *                        pod to run the config that names it
     */
    public record TierState(Tier tier, boolean exists, boolean templateChanged, boolean rolledOut, String progress,
                            boolean writerNeedsIt) {
        public TierState(Tier tier, boolean exists, boolean templateChanged, boolean rolledOut, String progress) {
            this(tier, exists, templateChanged, rolledOut, progress, false);
        }
    }

    /** Apply the tier's new template now ({@code roll}), or keep its current one; {@code waiting} says for what. */
    public record Verdict(boolean roll, String waiting) {
        static Verdict apply() {
            return new Verdict(true, null);
        }

        static Verdict waitFor(String what) {
            return new Verdict(false, what);
        }
    }

    /**
     * @param tier  the tier to decide
     * @param tiers every tier's state (any order; a missing tier counts as absent)
     */
    public static Verdict decide(Tier tier, List<TierState> tiers) {
        TierState own = find(tiers, tier).orElse(new TierState(tier, false, true, true, ""));
        if (!own.exists() || !own.templateChanged()) {
            return Verdict.apply();
        }
        if (tier == Tier.PROXY && own.writerNeedsIt()) {
            return Verdict.apply();
        }
        if (!own.rolledOut()) {
            return Verdict.apply();
        }
        for (Tier earlier : Tier.values()) {
            if (earlier.ordinal() >= tier.ordinal()) {
                break;
            }
            Optional<TierState> s = find(tiers, earlier);
            if (s.isPresent() && s.get().exists() && s.get().templateChanged()) {
                return Verdict.waitFor(tier.text + " waits for " + earlier.text + " to roll first");
            }
        }
        for (Tier other : Tier.values()) {
            Optional<TierState> s = find(tiers, other);
            if (other != tier && s.isPresent() && s.get().exists() && !s.get().rolledOut()) {
                return Verdict.waitFor(tier.text + " waits for " + other.text + " to finish rolling ("
                        + s.get().progress() + ")");
            }
        }
        return Verdict.apply();
    }

    private static Optional<TierState> find(List<TierState> tiers, Tier tier) {
        return tiers.stream().filter(s -> s.tier() == tier).findFirst();
    }

    /**
     * A stable hash of a pod template (what a change of it restarts the pods for), the same in every operator process:
     * the template's maps (labels, annotations, resources) are hashed in key order, not in the order they were filled
     * in; a {@code Map.of} of three or more entries iterates in an order Java picks anew in each JVM, which made every
     * tier look changed to a new leader.
     */
    public static String templateHash(PodTemplateSpec template) {
        try {
            Object tree = CANONICAL_JSON.readValue(Serialization.asJson(template), Object.class);
            return ConfigHash.of(Map.of("template", CANONICAL_JSON.writeValueAsString(tree)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a pod template that Jackson wrote and cannot read back", e);
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper CANONICAL_JSON =
            new com.fasterxml.jackson.databind.ObjectMapper()
                    .configure(com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    /** The pod template of a StatefulSet or Deployment, null for anything else. */
    public static PodTemplateSpec templateOf(HasMetadata workload) {
        if (workload instanceof StatefulSet s && s.getSpec() != null) {
            return s.getSpec().getTemplate();
        }
        if (workload instanceof Deployment d && d.getSpec() != null) {
            return d.getSpec().getTemplate();
        }
        return null;
    }

    /** The template hash the workload was applied with; empty for one applied by an operator that did not record it. */
    public static Optional<String> appliedHash(HasMetadata workload) {
        Map<String, String> annotations = workload.getMetadata().getAnnotations();
        return Optional.ofNullable(annotations == null ? null : annotations.get(TEMPLATE_HASH_ANNOTATION));
    }

    /** Rollout of a workload as its controller reports it. */
    public record Rollout(boolean done, String progress) {
    }

    /**
     * Done: the controller has observed the current generation, no pods beyond the desired count remain (old pods
     * of a Deployment, a StatefulSet still scaling), and every desired pod runs the current template and is available
     * (a Deployment) or Ready (a StatefulSet).
     */
    public static Rollout rollout(HasMetadata workload) {
        long generation = workload.getMetadata().getGeneration() == null ? 0 : workload.getMetadata().getGeneration();
        Long observed;
        int desired;
        int total;
        int updated;
        int available;
        if (workload instanceof StatefulSet s) {
            var st = s.getStatus();
            desired = s.getSpec().getReplicas() == null ? 1 : s.getSpec().getReplicas();
            observed = st == null ? null : st.getObservedGeneration();
            total = st == null ? 0 : zero(st.getReplicas());
            updated = st == null ? 0 : zero(st.getUpdatedReplicas());
            available = st == null ? 0 : zero(st.getReadyReplicas());
        } else if (workload instanceof Deployment d) {
            var st = d.getStatus();
            desired = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
            observed = st == null ? null : st.getObservedGeneration();
            total = st == null ? 0 : zero(st.getReplicas());
            updated = st == null ? 0 : zero(st.getUpdatedReplicas());
            available = st == null ? 0 : zero(st.getAvailableReplicas());
        } else {
            return new Rollout(true, "");
        }
        boolean seen = observed != null && observed >= generation;
        boolean done = seen && total <= desired && updated >= desired && available >= desired;
        String progress = !seen ? "its controller has not seen the last change yet"
                : updated + " of " + desired + " pods updated, " + available + " "
                + (workload instanceof StatefulSet ? "ready" : "available")
                + (total > desired ? ", " + (total - desired) + " more still running" : "");
        return new Rollout(done, progress);
    }

    private static int zero(Integer i) {
        return i == null ? 0 : i;
    }
}
