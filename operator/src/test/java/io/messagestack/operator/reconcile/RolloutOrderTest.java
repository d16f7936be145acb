package io.messagestack.operator.reconcile;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.messagestack.operator.reconcile.RolloutOrder.Tier;
import io.messagestack.operator.reconcile.RolloutOrder.TierState;
import io.messagestack.operator.reconcile.RolloutOrder.Verdict;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RolloutOrderTest {
    /**
     * The four tiers as one string, database, proxy, message-api, frontend: per tier one letter:
     * {@code -} no workload, {@code =} unchanged and rolled out, {@code r} unchanged and still rolling,
     * {@code C} new template and rolled out, {@code c} new template and still rolling,
     * {@code W} (proxy only) new template the writer needs now, rolled out.
     */
    private static List<TierState> tiers(String letters) {
        List<TierState> out = new ArrayList<>();
        for (Tier t : Tier.values()) {
            char c = letters.charAt(t.ordinal());
            out.add(new TierState(t, c != '-', c == 'C' || c == 'c' || c == 'W', c != 'r' && c != 'c',
                    "1 of 2 pods updated", c == 'W'));
        }
        return out;
    }

    /** The tier decided, the states, and the expected verdict: null to roll, else a part of what it waits for. */
    private record Row(String what, Tier tier, String states, String waitsFor) {
    }

    private static final List<Row> ROWS = List.of(
            new Row("an upgrade that changes every tier: the database rolls first", Tier.DATABASE, "CCCC", null),
            new Row("... the proxies wait for the database", Tier.PROXY, "CCCC", "proxy waits for database to roll first"),
            new Row("... message-api waits for the database too (the first changed tier)", Tier.API, "CCCC",
                    "message-api waits for database to roll first"),
            new Row("... and the frontend", Tier.FRONTEND, "CCCC", "frontend waits for database to roll first"),
            new Row("the database rolling (its template applied): the proxies wait for its rollout", Tier.PROXY, "rCCC",
                    "proxy waits for database to finish rolling (1 of 2 pods updated)"),
            new Row("the database still rolling takes a newer template at once", Tier.DATABASE, "cCCC", null),
            new Row("the database rolled out: the proxies' turn", Tier.PROXY, "=CCC", null),
            new Row("... message-api waits for the proxies", Tier.API, "=CCC", "message-api waits for proxy to roll first"),
            new Row("the proxies rolling: message-api waits", Tier.API, "=rCC",
                    "message-api waits for proxy to finish rolling"),
            new Row("the proxies rolled out: message-api's turn", Tier.API, "==CC", null),
            new Row("... the frontend still waits for message-api", Tier.FRONTEND, "==CC",
                    "frontend waits for message-api to roll first"),
            new Row("message-api rolled out: the frontend's turn", Tier.FRONTEND, "===C", null),
            new Row("the writer moves while the database rolls: the proxies roll at once", Tier.PROXY, "rWCC", null),
            new Row("... and while the database waits for them with its partition held", Tier.PROXY, "cWCC", null),
            new Row("a writer move does not let message-api through", Tier.API, "rWCC",
                    "message-api waits for proxy to roll first"),
            new Row("no template change: never waits, whatever rolls", Tier.API, "cc=c", null),
            new Row("an operator upgrade that changes no template: nothing waits", Tier.FRONTEND, "====", null),
            new Row("a new tier (no workload yet) is created at once", Tier.API, "cc-C", null),
            new Row("a later tier still rolling holds back an earlier tier's change", Tier.DATABASE, "C==r",
                    "database waits for frontend to finish rolling"),
            new Row("a tier that is not rolled out (a broken one) may always take a new template", Tier.FRONTEND,
                    "C==c", null),
            new Row("an absent tier neither holds back nor rolls", Tier.FRONTEND, "-=-C", null),
            new Row("only a spec change of message-api: it rolls alone", Tier.API, "==C=", null));

    @Test
    void oneTierRollsAtATimeInTheOrderDatabaseProxyApiFrontend() {
        List<String> failures = new ArrayList<>();
        for (Row row : ROWS) {
            Verdict v = RolloutOrder.decide(row.tier(), tiers(row.states()));
            boolean ok = row.waitsFor() == null ? v.roll() && v.waiting() == null
                    : !v.roll() && v.waiting() != null && v.waiting().contains(row.waitsFor());
            if (!ok) {
                failures.add(row.what() + " [" + row.tier() + " " + row.states() + "]: got " + v);
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    @Test
    void exactlyOneChangedTierRollsWhenEverythingIsSettled() {
        // Walk an upgrade through: at each step exactly the next tier in order may roll.
        String[] steps = {"CCCC", "=CCC", "==CC", "===C"};
        for (int i = 0; i < steps.length; i++) {
            List<Tier> rolling = new ArrayList<>();
            for (Tier t : Tier.values()) {
                if (tiers(steps[i]).get(t.ordinal()).templateChanged()
                        && RolloutOrder.decide(t, tiers(steps[i])).roll()) {
                    rolling.add(t);
                }
            }
            assertEquals(List.of(Tier.values()[i]), rolling, "step " + steps[i]);
        }
    }

    private static Deployment deployment(long generation, Long observed, int desired, int total, int updated,
                                         int available) {
        return new DeploymentBuilder().withNewMetadata().withName("d").withGeneration(generation).endMetadata()
                .withNewSpec().withReplicas(desired).endSpec()
                .withNewStatus().withObservedGeneration(observed).withReplicas(total).withUpdatedReplicas(updated)
                .withAvailableReplicas(available).withReadyReplicas(available).endStatus().build();
    }

    @Test
    void aDeploymentIsRolledOutWhenEveryDesiredPodIsUpdatedAndAvailableAndNoOldPodRemains() {
        assertTrue(RolloutOrder.rollout(deployment(3, 3L, 2, 2, 2, 2)).done());
        assertFalse(RolloutOrder.rollout(deployment(4, 3L, 2, 2, 2, 2)).done(), "generation not observed");
        assertFalse(RolloutOrder.rollout(deployment(3, 3L, 2, 3, 2, 2)).done(), "an old pod still runs");
        assertFalse(RolloutOrder.rollout(deployment(3, 3L, 2, 3, 1, 2)).done(), "one pod not updated");
        assertFalse(RolloutOrder.rollout(deployment(3, 3L, 2, 2, 2, 1)).done(), "one pod not available");
        assertEquals("1 of 2 pods updated, 2 available, 1 more still running",
                RolloutOrder.rollout(deployment(3, 3L, 2, 3, 1, 2)).progress());
        assertFalse(RolloutOrder.rollout(new DeploymentBuilder().withNewMetadata().withGeneration(1L).endMetadata()
                .withNewSpec().withReplicas(1).endSpec().build()).done(), "no status yet");
    }

    @Test
    void aStatefulSetIsRolledOutWhenEveryPodIsUpdatedAndReady() {
        StatefulSet partitionHeld = new StatefulSetBuilder().withNewMetadata().withGeneration(5L).endMetadata()
                .withNewSpec().withReplicas(3).endSpec()
                .withNewStatus().withObservedGeneration(5L).withReplicas(3).withUpdatedReplicas(2).withReadyReplicas(3)
                .endStatus().build();
        assertFalse(RolloutOrder.rollout(partitionHeld).done(), "the writer's pod still runs the old template");
        partitionHeld.getStatus().setUpdatedReplicas(3);
        assertTrue(RolloutOrder.rollout(partitionHeld).done());
        partitionHeld.getStatus().setReadyReplicas(2);
        assertFalse(RolloutOrder.rollout(partitionHeld).done(), "a node not Ready");
    }

    @Test
    void theTemplateHashChangesWithTheTemplateOnly() {
        Deployment a = deployment(1, 1L, 2, 2, 2, 2);
        a.getSpec().setTemplate(new io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder().withNewMetadata()
                .addToAnnotations("messagestack.io/config-hash", "1").endMetadata().build());
        String before = RolloutOrder.templateHash(RolloutOrder.templateOf(a));
        a.getSpec().setReplicas(5);
        assertEquals(before, RolloutOrder.templateHash(RolloutOrder.templateOf(a)), "scaling is no new template");
        a.getSpec().getTemplate().getMetadata().getAnnotations().put("messagestack.io/config-hash", "2");
        assertNotEquals(before, RolloutOrder.templateHash(RolloutOrder.templateOf(a)), "a config change is");
    }

    @Test
    void theHashIsTheSameWhateverOrderTheTemplatesMapsWereFilledIn() {
        // A Map.of iterates in an order each JVM picks anew: a new leader rendered the same template in another order.
        io.fabric8.kubernetes.api.model.PodTemplateSpec one = templateFilledIn(false);
        io.fabric8.kubernetes.api.model.PodTemplateSpec other = templateFilledIn(true);
        assertEquals(RolloutOrder.templateHash(one), RolloutOrder.templateHash(other));
        other.getMetadata().getAnnotations().put("prometheus.io/port", "9201");
        assertNotEquals(RolloutOrder.templateHash(one), RolloutOrder.templateHash(other), "a changed value still counts");
    }

    /** The same annotations, labels and resource requests, put in forwards or backwards. */
    private static io.fabric8.kubernetes.api.model.PodTemplateSpec templateFilledIn(boolean backwards) {
        List<String[]> annotations = new ArrayList<>(List.of(new String[] {"prometheus.io/scrape", "true"},
                new String[] {"prometheus.io/port", "9200"}, new String[] {"prometheus.io/path", "/metrics"}));
        List<String[]> labels = new ArrayList<>(List.of(new String[] {"a", "1"}, new String[] {"b", "2"}));
        List<String[]> requests = new ArrayList<>(List.of(new String[] {"cpu", "10m"},
                new String[] {"memory", "16Mi"}));
        if (backwards) {
            java.util.Collections.reverse(annotations);
            java.util.Collections.reverse(labels);
            java.util.Collections.reverse(requests);
        }
        var template = new io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder().withNewMetadata().endMetadata()
                .withNewSpec().addNewContainer().withName("c").withNewResources().endResources().endContainer()
                .endSpec().build();
        template.getMetadata().setAnnotations(new java.util.LinkedHashMap<>());
        template.getMetadata().setLabels(new java.util.LinkedHashMap<>());
        var resources = template.getSpec().getContainers().get(0).getResources();
        resources.setRequests(new java.util.LinkedHashMap<>());
        annotations.forEach(e -> template.getMetadata().getAnnotations().put(e[0], e[1]));
        labels.forEach(e -> template.getMetadata().getLabels().put(e[0], e[1]));
        requests.forEach(e -> resources.getRequests().put(e[0], new io.fabric8.kubernetes.api.model.Quantity(e[1])));
        return template;
    }
}
