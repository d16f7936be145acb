package io.messagestack.operator.it;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.fail;

/** Helpers for the tests against a real kube-apiserver (fabric8 kube-api-test). */
public final class KubeApi {
    public static final String K8S_VERSION = "1.34.4";

    private KubeApi() {
    }

    /** The committed CRD, the one users install. */
    public static Path committedCrd() {
        String path = System.getProperty("crd.committed", "../crds/messagestacks.messagestack.io.yaml");
        Path p = Path.of(path);
        if (!Files.exists(p)) {
            fail("committed CRD " + p + " is missing: run `make crds`");
        }
        return p;
    }

    /** Every committed CRD: MessageStack's and, next to it, MessageStackBackup's. */
    public static java.util.List<Path> committedCrds() {
        Path stack = committedCrd();
        Path backup = stack.resolveSibling("messagestackbackups.messagestack.io.yaml");
        if (!Files.exists(backup)) {
            fail("committed CRD " + backup + " is missing: run `make crds`");
        }
        return java.util.List.of(stack, backup);
    }

    /** Installs every committed CRD and waits until each is Established. */
    public static void installCrd(KubernetesClient client) throws IOException {
        for (Path crd : committedCrds()) {
            installCrd(client, crd);
        }
    }

    private static void installCrd(KubernetesClient client, Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions().load(in).item();
            client.resource(crd).serverSideApply();
            client.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
                    .waitUntilCondition(c -> c.getStatus() != null && c.getStatus().getConditions() != null
                            && c.getStatus().getConditions().stream().anyMatch(
                            x -> "Established".equals(x.getType()) && "True".equals(x.getStatus())),
                            30, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    public static void namespace(KubernetesClient client, String name) {
        client.resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
                .serverSideApply();
    }

    /** The API server's rejection message, or a failure if it accepted. */
    public static String rejection(Runnable action) {
        try {
            action.run();
        } catch (KubernetesClientException e) {
            return e.getMessage();
        }
        fail("the API server accepted a spec it should reject");
        return null;
    }

    public static <T> T await(String what, Duration timeout, Supplier<T> probe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = probe.get();
            } catch (KubernetesClientException e) {
                last = null;
            }
            if (last != null && !(last instanceof Boolean b && !b)) {
                return last;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted while waiting for " + what);
            }
        }
        fail("timed out after " + timeout.toSeconds() + " s waiting for " + what + " (last: " + last + ")");
        return null;
    }

}
