package io.messagestack.operator.it;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** deploy/ as the kind install renders it (kubectl kustomize) is accepted by a real API server, samples included. */
class DeployManifestsIT {
    private static LocalApiServer apiServer;
    private static KubernetesClient client;

    @BeforeAll
    static void start() {
        apiServer = LocalApiServer.start();
        client = apiServer.client();
    }

    @AfterAll
    static void stop() {
        if (apiServer != null) {
            apiServer.close();
        }
    }

    private static String kustomize(Path dir) throws Exception {
        String testDir = System.getenv().getOrDefault("KUBE_API_TEST_DIR",
                Path.of(System.getProperty("user.home"), ".cache", "messagestack", "kube-api-test").toString());
        Path kubectl = Path.of(testDir, "k8s", KubeApi.K8S_VERSION + "-linux-amd64", "kubectl");
        if (!Files.isExecutable(kubectl)) {
            fail(kubectl + " is missing: run `make kube-api-test-bins`");
        }
        Process p = new ProcessBuilder(kubectl.toString(), "kustomize", dir.toString()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "kubectl kustomize " + dir + " failed: " + err);
        return out;
    }

    @Test
    void theKindInstallAndTheSamplesAreAccepted() throws Exception {
        Path root = KubeApi.committedCrd().getParent().getParent();
        String rendered = kustomize(root.resolve("deploy/overlays/local-images"));
        List<HasMetadata> objects = client.load(new ByteArrayInputStream(rendered.getBytes(StandardCharsets.UTF_8)))
                .items();
        for (HasMetadata o : objects) {
            client.resource(o).serverSideApply();
        }
        Deployment operator = client.apps().deployments().inNamespace("messagestack-system")
                .withName("messagestack-operator").get();
        assertEquals(2, operator.getSpec().getReplicas());
        var env = operator.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv();
        assertTrue(env.stream().anyMatch(e -> e.getName().equals("POD_NAMESPACE")));
        assertTrue(env.stream().anyMatch(e -> e.getName().equals("MESSAGESTACK_IMAGE_NGINX")
                && e.getValue().equals("messagestack/nginx:dev")));
        client.apiextensions().v1().customResourceDefinitions().withName("messagestacks.messagestack.io")
                .waitUntilCondition(c -> c.getStatus() != null && c.getStatus().getConditions() != null
                        && c.getStatus().getConditions().stream().anyMatch(x -> "Established".equals(x.getType())
                        && "True".equals(x.getStatus())), 30, TimeUnit.SECONDS);
        KubeApi.namespace(client, "messagestack");
        try (var samples = Files.list(root.resolve("deploy/samples"))) {
            for (Path sample : samples.sorted().toList()) {
                String yaml = Files.readString(sample);
                client.resource(yaml).inNamespace("messagestack").create();
            }
        }
    }
}
