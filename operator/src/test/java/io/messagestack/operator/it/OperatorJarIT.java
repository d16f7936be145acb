package io.messagestack.operator.it;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.messagestack.operator.crd.MessageStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The packaged operator (target/quarkus-app/quarkus-run.jar, what the image runs) against a real API server:
 * Quarkus Operator SDK wiring, leader election, health and metrics endpoints, and the page and start script read
 * from inside the jar.
 */
class OperatorJarIT {
    private static LocalApiServer apiServer;
    private static KubernetesClient client;
    private static Process operator;
    private static int port;
    private static Path log;

    @BeforeAll
    static void start() throws Exception {
        apiServer = LocalApiServer.start();
        client = apiServer.client();
        KubeApi.installCrd(client);
        Path jar = Path.of("target/quarkus-app/quarkus-run.jar");
        if (!Files.exists(jar)) {
            fail(jar + " missing: this test runs after `mvn package`");
        }
        Path kubeconfig = Files.createTempFile("operator-it", ".kubeconfig");
        Files.writeString(kubeconfig, apiServer.kubeConfigYaml());
        log = Files.createTempFile("operator-it", ".log");
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ProcessBuilder pb = new ProcessBuilder("java", "-Xmx96m", "-jar", jar.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("KUBECONFIG", kubeconfig.toString());
        pb.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        pb.environment().put("POD_NAMESPACE", "default");
        pb.environment().put("MESSAGESTACK_IMAGE_NGINX", "messagestack/nginx:dev");
        operator = pb.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (operator != null) {
            operator.destroy();
            boolean exited = operator.waitFor(20, java.util.concurrent.TimeUnit.SECONDS);
            if (!exited) {
                operator.destroyForcibly();
            }
            assertTrue(exited, "the operator did not stop within 20 s of SIGTERM");
        }
        if (apiServer != null) {
            apiServer.close();
        }
    }

    private static int get(String path) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    @Test
    void thePackagedOperatorReconcilesAndServesHealthAndMetrics() throws Exception {
        try {
            KubeApi.await("operator ready on /q/health/ready", Duration.ofSeconds(60), () -> get("/q/health/ready") == 200);
            assertEquals(200, get("/q/health/live"));
            assertEquals(200, get("/q/metrics"));
            KubeApi.namespace(client, "jar");
            client.resource("apiVersion: messagestack.io/v1alpha1\nkind: MessageStack\nmetadata:\n  name: packaged\n")
                    .inNamespace("jar").create();
            StatefulSet sts = KubeApi.await("StatefulSet from the packaged operator", Duration.ofSeconds(60),
                    () -> client.apps().statefulSets().inNamespace("jar").withName("packaged-db").get());
            assertEquals(3, sts.getSpec().getReplicas());
            ConfigMap page = KubeApi.await("page ConfigMap", Duration.ofSeconds(30),
                    () -> client.configMaps().inNamespace("jar").withName("packaged-frontend-page").get());
            assertTrue(page.getData().containsKey("index.html"), "index.html read from the jar: " + page.getData().keySet());
            assertTrue(page.getData().size() > 1, "all page files read from the jar: " + page.getData().keySet());
            assertTrue(client.configMaps().inNamespace("jar").withName("packaged-db-scripts").get().getData()
                    .get("galera-start.sh").startsWith("#!"));
            var frontend = KubeApi.await("frontend Deployment", Duration.ofSeconds(30),
                    () -> client.apps().deployments().inNamespace("jar").withName("packaged-frontend").get());
            assertEquals("messagestack/nginx:dev", frontend.getSpec().getTemplate().getSpec().getContainers().get(0)
                    .getImage(), "default images come from MESSAGESTACK_IMAGE_*");
            MessageStack ms = KubeApi.await("status", Duration.ofSeconds(30), () -> {
                MessageStack m = client.resources(MessageStack.class).inNamespace("jar").withName("packaged").get();
                return m.getStatus() != null && m.getStatus().observedGeneration != null ? m : null;
            });
            assertEquals("Progressing", ms.getStatus().phase);
            assertTrue(client.leases().inNamespace("default").withName("messagestack-operator-lease").get() != null,
                    "leader election holds its Lease");
            operator.destroy();
            assertTrue(operator.waitFor(20, java.util.concurrent.TimeUnit.SECONDS),
                    "the operator stops within 20 s of SIGTERM (no shutdown deadlock)");
        } catch (AssertionError | RuntimeException e) {
            System.err.println("---- operator log ----\n" + Files.readString(log));
            throw e;
        }
    }
}
