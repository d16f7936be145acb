package io.messagestack.operator.nodeloss;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.messagestack.operator.common.Components;
import io.messagestack.operator.common.Labels;
import io.messagestack.operator.nodeloss.UnreachablePods.Result;
import io.messagestack.operator.nodeloss.UnreachablePods.Target;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UnreachablePodsTest {
    // demo's serving pods on three workers, two components; w3 is the node that may be lost.
    private static final Target NGINX_1 = target("demo", Components.FRONTEND, "demo-frontend-a", "w1");
    private static final Target NGINX_2 = target("demo", Components.FRONTEND, "demo-frontend-b", "w2");
    private static final Target NGINX_3 = target("demo", Components.FRONTEND, "demo-frontend-c", "w3");
    private static final Target HAPROXY_1 = target("demo", Components.PROXY, "demo-proxy-a", "w1");
    private static final Target HAPROXY_3 = target("demo", Components.PROXY, "demo-proxy-c", "w3");
    private static final Target KUBELET_3 = new Target("", "", "node", "w3", "w3", "172.18.0.4", 10250);
    private static final Target OTHER_NGINX_3 = target("other", Components.FRONTEND, "other-frontend-c", "w3");

    private static Target target(String stack, String component, String pod, String node) {
        return new Target("ns", stack, component, pod, node, "10.0.0.1", 80);
    }

    /** answers: which targets answered this round; before: failed rounds so far; mark: the pods to mark now. */
    private record Row(String what, List<Target> round, Set<Target> answering, Map<Target, Integer> before,
                       Set<String> mark, Map<String, Integer> failedAfter, String keptHas) {
    }

    private static final List<Target> DEMO = List.of(NGINX_1, NGINX_2, NGINX_3, HAPROXY_1, HAPROXY_3);

    /** Silent rounds: M marks, B (one fewer) is a count just before the mark. */
    private static final int M = UnreachablePods.FAILED_ROUNDS_TO_MARK;
    private static final int B = M - 1;

    private static final List<Row> ROWS = List.of(
            new Row("all answer: nothing counted", DEMO, Set.copyOf(DEMO), Map.of(), Set.of(), Map.of(), null),
            new Row("w3 silent the first time: counted, not marked yet", DEMO, Set.of(NGINX_1, NGINX_2, HAPROXY_1),
                    Map.of(), Set.of(), Map.of("ns/demo-frontend-c", 1, "ns/demo-proxy-c", 1), null),
            new Row("w3 silent one round short of the mark: counted, not marked", DEMO,
                    Set.of(NGINX_1, NGINX_2, HAPROXY_1), Map.of(NGINX_3, B - 1, HAPROXY_3, B - 1), Set.of(),
                    Map.of("ns/demo-frontend-c", B, "ns/demo-proxy-c", B), null),
            new Row("w3 silent the M-th time: both its pods marked", DEMO, Set.of(NGINX_1, NGINX_2, HAPROXY_1),
                    Map.of(NGINX_3, B, HAPROXY_3, B), Set.of("ns/demo-frontend-c", "ns/demo-proxy-c"),
                    Map.of("ns/demo-frontend-c", M, "ns/demo-proxy-c", M), null),
            new Row("w3 answers again after silent rounds: the count starts over", DEMO, Set.copyOf(DEMO),
                    Map.of(NGINX_3, B, HAPROXY_3, B), Set.of(), Map.of(), null),
            new Row("one pod silent while another pod on its node answers: the kubelet's job, not marked", DEMO,
                    Set.of(NGINX_1, NGINX_2, HAPROXY_1, HAPROXY_3), Map.of(NGINX_3, M), Set.of(),
                    Map.of("ns/demo-frontend-c", M + 1), null),
            new Row("nothing answers: the operator may be the one cut off, nothing counted or marked", DEMO, Set.of(),
                    Map.of(NGINX_3, B), Set.of(), Map.of("ns/demo-frontend-c", B), "no pod answered"),
            new Row("the last Ready pod of a component stays, even when silent", List.of(NGINX_1, NGINX_3, HAPROXY_3),
                    Set.of(NGINX_1), Map.of(NGINX_3, B, HAPROXY_3, B), Set.of("ns/demo-frontend-c"),
                    Map.of("ns/demo-frontend-c", M, "ns/demo-proxy-c", M), "last Ready proxy pod of ns/demo"),
            new Row("two silent nodes holding all but one nginx: those two are marked, one stays",
                    List.of(NGINX_1, NGINX_2, NGINX_3, target("demo", Components.API, "demo-api-a", "w4")),
                    Set.of(target("demo", Components.API, "demo-api-a", "w4")),
                    Map.of(NGINX_1, B, NGINX_2, B, NGINX_3, B), Set.of("ns/demo-frontend-a", "ns/demo-frontend-b"),
                    Map.of("ns/demo-frontend-a", M, "ns/demo-frontend-b", M, "ns/demo-frontend-c", M),
                    "demo-frontend-c stays"),
            new Row("another stack's pod on the lost node: its own group decides (its only nginx stays)",
                    List.of(NGINX_1, NGINX_3, OTHER_NGINX_3), Set.of(NGINX_1), Map.of(NGINX_3, B, OTHER_NGINX_3, B),
                    Set.of("ns/demo-frontend-c"), Map.of("ns/demo-frontend-c", M, "ns/other-frontend-c", M),
                    "last Ready frontend pod of ns/other"),
            new Row("w3's pods silent but its kubelet answers (a NetworkPolicy drops the operator): not marked",
                    List.of(NGINX_1, NGINX_3, HAPROXY_1, HAPROXY_3, KUBELET_3), Set.of(NGINX_1, HAPROXY_1, KUBELET_3),
                    Map.of(NGINX_3, B, HAPROXY_3, B), Set.of(),
                    Map.of("ns/demo-frontend-c", M, "ns/demo-proxy-c", M), null),
            new Row("w3's pods and kubelet silent: its pods marked, the kubelet target never is",
                    List.of(NGINX_1, NGINX_3, HAPROXY_1, HAPROXY_3, KUBELET_3), Set.of(NGINX_1, HAPROXY_1),
                    Map.of(NGINX_3, B, HAPROXY_3, B, KUBELET_3, B), Set.of("ns/demo-frontend-c", "ns/demo-proxy-c"),
                    Map.of("ns/demo-frontend-c", M, "ns/demo-proxy-c", M, "/w3", M), null),
            new Row("no pods: nothing", List.of(), Set.of(), Map.of(), Set.of(), Map.of(), null));

    @Test
    void decides() {
        List<String> wrong = new ArrayList<>();
        for (Row r : ROWS) {
            List<Result> round = r.round().stream().map(t -> new Result(t, r.answering().contains(t))).toList();
            Map<String, Integer> before = new HashMap<>();
            r.before().forEach((t, n) -> before.put(t.key(), n));
            UnreachablePods.Decision d = UnreachablePods.decide(round, before);
            Set<String> marked = new TreeSet<>(d.mark().stream().map(Target::key).toList());
            boolean keptOk = r.keptHas() == null ? d.kept().isEmpty()
                    : d.kept().stream().anyMatch(k -> k.contains(r.keptHas()));
            if (!marked.equals(new TreeSet<>(r.mark())) || !d.failedRounds().equals(r.failedAfter()) || !keptOk) {
                wrong.add(r.what() + ": marked " + marked + ", failed rounds " + d.failedRounds() + ", kept " + d.kept());
            }
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }

    @Test
    void theStandbyWaitsItsOwnNumberOfRounds() {
        List<Result> round = List.of(new Result(NGINX_1, true), new Result(NGINX_3, false));
        Map<String, Integer> before = Map.of(NGINX_3.key(), B);
        assertEquals(List.of(NGINX_3), UnreachablePods.decide(round, before).mark(), "the leader's count is reached");
        assertEquals(List.of(), UnreachablePods.decide(round, before, M + 3).mark(), "the standby waits 3 more");
        assertEquals(List.of(NGINX_3), UnreachablePods.decide(round, Map.of(NGINX_3.key(), M + 2), M + 3).mark(),
                "and marks once it has its own count");
    }

    @Test
    void probesOnlyReadyRunningServingPodsWithAnAddress() {
        List<Pod> pods = List.of(
                pod("demo-frontend-a", Components.FRONTEND, "True", "10.244.1.5", false),
                pod("demo-proxy-a", Components.PROXY, "True", "10.244.1.6", false),
                pod("demo-api-a", Components.API, "True", "10.244.1.7", false),
                pod("demo-db-0", Components.DATABASE, "True", "10.244.1.8", false),
                pod("demo-frontend-b", Components.FRONTEND, "False", "10.244.2.5", false),
                pod("demo-frontend-c", Components.FRONTEND, "True", "10.244.3.5", true),
                pod("demo-frontend-d", Components.FRONTEND, "True", null, false));
        List<Target> targets = UnreachablePods.targets(pods);
        assertEquals(List.of("demo-api-a:10.244.1.7:8080", "demo-frontend-a:10.244.1.5:80",
                        "demo-proxy-a:10.244.1.6:8405", "w1:172.18.0.2:10250"),
                targets.stream().map(t -> t.pod() + ":" + t.ip() + ":" + t.port()).toList());
        assertEquals("w1", targets.get(0).node());
        assertEquals("node", targets.get(3).component(), "the node's kubelet, once");
    }

    private static Pod pod(String name, String component, String ready, String ip, boolean deleting) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace("ns")
                .withLabels(Labels.of("demo", component))
                .withDeletionTimestamp(deleting ? "2026-12-07T11:00:00Z" : null).endMetadata()
                .withNewSpec().withNodeName("w1").endSpec()
                .withNewStatus().withPodIP(ip).withHostIP("172.18.0.2").addNewCondition().withType("Ready").withStatus(ready).endCondition()
                .endStatus().build();
    }
}
