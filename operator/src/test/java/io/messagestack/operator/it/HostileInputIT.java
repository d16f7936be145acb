package io.messagestack.operator.it;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaPropsBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.Operator;
import io.messagestack.operator.common.Labels;
import io.messagestack.operator.crd.MessageStack;
import io.messagestack.operator.reconcile.Conditions;
import io.messagestack.operator.reconcile.MessageStackReconciler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Hostile and mistaken MessageStacks against a real kube-apiserver with the operator running (issue 12). First
 * through the committed CRD: each case is refused by the API server with a message naming the field, nothing is
 * created for it, and a running stack next to it is not changed. Then with the schema bypassed (the CRD replaced
 * by one without validation, as an older or hand-edited CRD would be): the operator refuses the same specs in code,
 * writes nothing for them, and says why in the status (Ready=False, InvalidSpec) and in an event.
 * Each case is printed with what happened (also to target/hostile-input.txt).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostileInputIT {
    private static final String NS = "hostile";
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Path REPORT = Path.of("target", "hostile-input.txt");
    private static LocalApiServer apiServer;
    private static KubernetesClient client;
    private static Operator operator;

    @BeforeAll
    static void startOperator() throws IOException {
        Files.deleteIfExists(REPORT);
        apiServer = LocalApiServer.start();
        client = apiServer.client();
        KubeApi.installCrd(client);
        KubeApi.namespace(client, NS);
        operator = new Operator(o -> o.withKubernetesClient(client).withCloseClientOnStop(false));
        operator.register(new MessageStackReconciler());
        operator.start();
    }

    @AfterAll
    static void stop() {
        if (operator != null) {
            operator.stop();
        }
        if (apiServer != null) {
            apiServer.close();
        }
    }

    private static String yaml(String name, String spec) {
        return "apiVersion: messagestack.io/v1alpha1\nkind: MessageStack\nmetadata:\n  name: " + name + "\n"
                + (spec.isEmpty() ? "" : "spec:\n" + spec.indent(2));
    }

    private static void print(String line) {
        System.out.println(line);
        try {
            Files.writeString(REPORT, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The API server's own message (it names the field), or null when it accepted. */
    private static String refusal(Runnable write) {
        try {
            write.run();
            return null;
        } catch (KubernetesClientException e) {
            return e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
                    : e.getMessage();
        }
    }

    /** Objects of one stack the operator would have written first: the password Secrets and the database. */
    private static List<HasMetadata> written(String stack) {
        List<HasMetadata> out = new java.util.ArrayList<>();
        out.addAll(client.secrets().inNamespace(NS).withLabel(Labels.INSTANCE, stack).list().getItems());
        out.addAll(client.configMaps().inNamespace(NS).withLabel(Labels.INSTANCE, stack).list().getItems());
        out.addAll(client.services().inNamespace(NS).withLabel(Labels.INSTANCE, stack).list().getItems());
        out.addAll(client.apps().statefulSets().inNamespace(NS).withLabel(Labels.INSTANCE, stack).list().getItems());
        out.addAll(client.apps().deployments().inNamespace(NS).withLabel(Labels.INSTANCE, stack).list().getItems());
        for (String name : List.of(stack + "-db-credentials", stack + "-db-credentials-internal")) {
            Secret s = client.secrets().inNamespace(NS).withName(name).get();
            if (s != null && out.stream().noneMatch(o -> o.getMetadata().getName().equals(name))) {
                out.add(s);
            }
        }
        return out;
    }

    /** What a change to the running stack would show: the generation of its workloads and its Secrets' versions. */
    private static Map<String, String> fingerprint(String stack) {
        Map<String, String> out = new LinkedHashMap<>();
        for (StatefulSet s : client.apps().statefulSets().inNamespace(NS).withLabel(Labels.INSTANCE, stack).list()
                .getItems()) {
            out.put("StatefulSet/" + s.getMetadata().getName(), s.getMetadata().getUid() + " generation "
                    + s.getMetadata().getGeneration() + " replicas " + s.getSpec().getReplicas() + " whenDeleted "
                    + s.getSpec().getPersistentVolumeClaimRetentionPolicy().getWhenDeleted());
        }
        for (Deployment d : client.apps().deployments().inNamespace(NS).withLabel(Labels.INSTANCE, stack).list()
                .getItems()) {
            out.put("Deployment/" + d.getMetadata().getName(), d.getMetadata().getUid() + " generation "
                    + d.getMetadata().getGeneration());
        }
        for (Secret s : client.secrets().inNamespace(NS).withLabel(Labels.INSTANCE, stack).list().getItems()) {
            out.put("Secret/" + s.getMetadata().getName(), s.getMetadata().getUid() + " data " + s.getData()
                    + " owners " + s.getMetadata().getOwnerReferences());
        }
        return out;
    }

    private static MessageStack awaitStatus(String name, java.util.function.Predicate<MessageStack> ok) {
        return KubeApi.await("status of " + name, WAIT, () -> {
            MessageStack ms = client.resources(MessageStack.class).inNamespace(NS).withName(name).get();
            return ms != null && ms.getStatus() != null && ok.test(ms) ? ms : null;
        });
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted");
        }
    }

    /** The running stack every case must leave alone. */
    private static Map<String, String> startSample() {
        client.resource(yaml("sample", "database:\n  engine: mariadb-galera")).inNamespace(NS).create();
        KubeApi.await("the sample's database and frontend", WAIT, () ->
                client.apps().statefulSets().inNamespace(NS).withName("sample-db").get() != null
                        && client.apps().deployments().inNamespace(NS).withName("sample-frontend").get() != null
                        && client.secrets().inNamespace(NS).withName("sample-db-credentials-internal").get() != null);
        awaitStatus("sample", m -> m.getStatus().observedGeneration != null);
        sleep(2000); // let a second reconcile settle what the first one could not know yet
        return fingerprint("sample");
    }

    private record Case(String what, String name, String spec, String field) {
    }

    @Test
    @Order(1)
    void theApiServerRefusesEachHostileSpecNamingTheFieldAndNothingIsCreated() {
        Map<String, String> sample = startSample();
        List<Case> cases = List.of(
                new Case("database.replicas 100001", "flood", "database:\n  replicas: 100001",
                        "spec.database.replicas"),
                new Case("database.replicas 4 (even)", "even", "database:\n  replicas: 4", "spec.database.replicas"),
                new Case("proxy.replicas 0", "noproxy", "proxy:\n  replicas: 0", "spec.proxy.replicas"),
                new Case("api.replicas 100000", "manyapi", "api:\n  replicas: 100000", "spec.api.replicas"),
                new Case("frontend.replicas 1000", "manyweb", "frontend:\n  replicas: 1000",
                        "spec.frontend.replicas"),
                new Case("storage.size -1Gi", "negative", "database:\n  storage:\n    size: -1Gi",
                        "spec.database.storage.size"),
                new Case("storage.size 1Ei", "huge", "database:\n  storage:\n    size: 1Ei",
                        "spec.database.storage.size"),
                new Case("resources.requests.cpu -1", "negcpu", "database:\n  resources:\n    requests:\n"
                        + "      cpu: \"-1\"", "spec.database.resources"),
                new Case("resources limits below requests", "lowlimit", "api:\n  resources:\n    requests:\n"
                        + "      memory: 512Mi\n    limits:\n      memory: 256Mi", "spec.api.resources"),
                new Case("the same VIP twice", "samevip", "vip:\n  enabled: true\n  frontendAddress: 10.0.0.9\n"
                        + "  proxyAddress: 10.0.0.9", "spec.vip.proxyAddress"),
                new Case("the same router id twice", "samerouter", "vip:\n  frontendRouterId: 9\n"
                        + "  proxyRouterId: 9", "spec.vip.proxyRouterId"),
                new Case("a 60-character name", "n" + "x".repeat(59), "", "metadata.name"),
                new Case("image with spaces and ;", "badimage", "database:\n  image: \"mariadb:10.11; rm -rf /\"",
                        "spec.database.image"),
                new Case("owned config key wsrep_cluster_address", "ownedkey", "database:\n  config:\n"
                        + "    wsrep_cluster_address: \"gcomm://evil\"", "spec.database.config"),
                new Case("owned config key bind_address as Loose-Bind-Address", "ownedkey2", "database:\n"
                        + "  config:\n    Loose-Bind-Address: 127.0.0.1", "spec.database.config"),
                new Case("owned config key abbreviated (datad)", "ownedkey3", "database:\n  config:\n"
                        + "    datad: /tmp", "spec.database.config"));
        for (Case c : cases) {
            String message = refusal(() -> client.resource(yaml(c.name(), c.spec())).inNamespace(NS).create());
            print("hostile-input: " + c.what() + " -> " + (message == null ? "ACCEPTED" : "refused: " + message));
            assertNotNull(message, c.what() + " was accepted");
            assertTrue(message.contains(c.field()), c.what() + ": the refusal should name " + c.field() + ": "
                    + message);
        }
        // Updates of the running stack: refused, and the stack keeps running as it was.
        String flood = refusal(() -> client.resource(yaml("sample", "database:\n  engine: mariadb-galera\n"
                + "  replicas: 100001")).inNamespace(NS).fieldManager("tenant").forceConflicts().serverSideApply());
        print("hostile-input: running sample edited to database.replicas 100001 -> "
                + (flood == null ? "ACCEPTED" : "refused: " + flood));
        assertNotNull(flood);
        assertTrue(flood.contains("spec.database.replicas"), flood);
        String flip = refusal(() -> client.resource(yaml("sample", "database:\n  engine: mariadb-galera\n"
                + "  storage:\n    deleteWithStack: true")).inNamespace(NS).fieldManager("tenant").forceConflicts()
                .serverSideApply());
        print("hostile-input: running sample edited to deleteWithStack false -> true -> "
                + (flip == null ? "ACCEPTED" : "refused: " + flip));
        assertNotNull(flip);
        assertTrue(flip.contains("spec.database.storage.deleteWithStack"), flip);

        sleep(3000); // give the operator time to do anything it would do
        for (Case c : cases) {
            assertEquals(List.of(), written(c.name()).stream().map(o -> o.getKind() + "/" + o.getMetadata().getName())
                    .toList(), "nothing may exist for the refused " + c.what());
        }
        assertEquals(sample, fingerprint("sample"), "the running sample is unchanged");
        print("hostile-input: created for the refused specs: nothing (no StatefulSet, no Secret, no ConfigMap, no"
                + " Service, no Deployment); running sample unchanged: " + sample.keySet());
    }

    @Test
    @Order(2)
    void withTheSchemaBypassedTheOperatorRefusesInCodeAndWritesNothing() throws IOException {
        Map<String, String> sample = fingerprint("sample");
        assertTrue(sample.containsKey("StatefulSet/sample-db"), "the sample from the first test runs");
        installCrdWithoutValidation();
        print("hostile-input: CRD replaced by one without any schema validation (x-kubernetes-preserve-unknown-fields)");

        client.resource(yaml("bypass", "database:\n  replicas: 100001\n  image: \"mariadb:10.11; rm -rf /\"\n"
                + "  storage:\n    size: -1Gi\n  config:\n    wsrep_cluster_address: \"gcomm://evil\"\n"
                + "proxy:\n  replicas: 0\napi:\n  replicas: 100000\n"
                + "vip:\n  enabled: true\n  image: evil.example/keepalived:1\n  frontendAddress: 10.0.0.9\n"
                + "  proxyAddress: 10.0.0.9"))
                .inNamespace(NS).create();
        MessageStack refused = awaitStatus("bypass", m -> Conditions.find(m.getStatus().conditions,
                Conditions.READY) != null);
        var ready = Conditions.find(refused.getStatus().conditions, Conditions.READY);
        print("hostile-input: schema bypassed, new stack with replicas 100001, bad image, -1Gi, owned key, proxy 0,"
                + " api 100000, same VIP, a keepalived image of its own -> Ready=" + ready.getStatus() + " reason=" + ready.getReason()
                + " message: " + ready.getMessage());
        assertEquals("False", ready.getStatus());
        assertEquals("InvalidSpec", ready.getReason());
        for (String field : List.of("spec.database.replicas", "spec.database.image", "spec.database.storage.size",
                "spec.database.config", "spec.proxy.replicas", "spec.api.replicas", "spec.vip.proxyAddress",
                "spec.vip.image")) {
            assertTrue(ready.getMessage().contains(field), "the status should name " + field);
        }
        assertInvalidSpecEvent("bypass");

        client.resource(yaml("n" + "x".repeat(59), "")).inNamespace(NS).create();
        MessageStack longName = awaitStatus("n" + "x".repeat(59), m -> Conditions.find(m.getStatus().conditions,
                Conditions.READY) != null);
        var longReady = Conditions.find(longName.getStatus().conditions, Conditions.READY);
        print("hostile-input: schema bypassed, 60-character name -> Ready=" + longReady.getStatus() + " reason="
                + longReady.getReason() + " message: " + longReady.getMessage());
        assertEquals("InvalidSpec", longReady.getReason());
        assertTrue(longReady.getMessage().contains("metadata.name"), longReady.getMessage());

        // The running sample, edited past the schema: refused in code, left exactly as it runs.
        editSample("database:\n  engine: mariadb-galera\n  replicas: 100001");
        String message = awaitRefusal("sample", "spec.database.replicas");
        print("hostile-input: schema bypassed, running sample edited to database.replicas 100001 -> refused: "
                + message);
        editSample("database:\n  engine: mariadb-galera\n  storage:\n    deleteWithStack: true");
        message = awaitRefusal("sample", "spec.database.storage.deleteWithStack");
        print("hostile-input: schema bypassed, running sample edited to deleteWithStack false -> true -> refused: "
                + message);

        editSample("database:\n  engine: mariadb-galera\nvip:\n  image: evil.example/keepalived:1");
        message = awaitRefusal("sample", "spec.vip.image");
        print("hostile-input: running sample edited to a keepalived image of its own (host network, NET_ADMIN) ->"
                + " refused: " + message);

        sleep(3000);
        for (String stack : List.of("bypass", "n" + "x".repeat(59))) {
            assertEquals(List.of(), written(stack).stream().map(o -> o.getKind() + "/" + o.getMetadata().getName())
                    .toList(), "the operator wrote nothing for " + stack);
        }
        assertEquals(sample, fingerprint("sample"), "the running sample is unchanged");
        print("hostile-input: schema bypassed: the operator wrote nothing for the refused stacks (no StatefulSet, no"
                + " Secret); running sample unchanged (StatefulSet replicas and whenDeleted=Retain, Secrets unowned)");
    }

    private static void editSample(String spec) {
        for (int attempt = 1; ; attempt++) {
            try {
                client.resource(yaml("sample", spec)).inNamespace(NS).fieldManager("tenant").forceConflicts()
                        .serverSideApply();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 5) {
                    throw e;
                }
            }
        }
    }

    private static String awaitRefusal(String name, String field) {
        MessageStack ms = awaitStatus(name, m -> {
            var c = Conditions.find(m.getStatus().conditions, Conditions.READY);
            return c != null && "InvalidSpec".equals(c.getReason()) && c.getMessage().contains(field);
        });
        return Conditions.find(ms.getStatus().conditions, Conditions.READY).getMessage();
    }

    private static void assertInvalidSpecEvent(String name) {
        Event event = KubeApi.await("an InvalidSpec event for " + name, WAIT, () ->
                client.v1().events().inNamespace(NS).list().getItems().stream()
                        .filter(e -> name.equals(e.getInvolvedObject().getName())
                                && "InvalidSpec".equals(e.getReason())).findFirst().orElse(null));
        assertEquals("Warning", event.getType());
    }

    /** The committed CRD with its schema replaced by "anything goes": an old or hand-edited CRD. */
    private static void installCrdWithoutValidation() throws IOException {
        CustomResourceDefinition crd;
        try (InputStream in = Files.newInputStream(KubeApi.committedCrd())) {
            crd = client.apiextensions().v1().customResourceDefinitions().load(in).item();
        }
        JSONSchemaProps open = new JSONSchemaPropsBuilder().withType("object")
                .withXKubernetesPreserveUnknownFields(true).build();
        crd.getSpec().getVersions().forEach(v -> v.getSchema().setOpenAPIV3Schema(open));
        crd.getMetadata().setResourceVersion(null);
        client.resource(crd).fieldManager("hostile-test").forceConflicts().serverSideApply();
        // Wait until the API server serves the open schema: a spec the old schema refuses is accepted.
        KubeApi.await("the open schema in effect", WAIT, () -> refusal(() -> client.resource(
                yaml("probe", "proxy:\n  replicas: 0")).inNamespace("default").dryRun().create()) == null);
    }
}
