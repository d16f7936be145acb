package io.messagestack.operator.it;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real kube-apiserver + etcd from fabric8 kube-api-test, always offline, from the lab's binaries.
 * Started by hand rather than with @EnableKubeAPIServer: kube-api-test 7.4.0 casts the env value of
 * KUBE_API_TEST_OFFLINE_MODE ("true", a String) to Boolean and fails unless offline mode is set in code.
 */
public final class LocalApiServer implements AutoCloseable {
    /** kube-api-test's default startup timeout for etcd and for kube-apiserver, each. */
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
    private final KubeAPIServer server;
    private final KubernetesClient client;

    private LocalApiServer(KubeAPIServer server, KubernetesClient client) {
        this.server = server;
        this.client = client;
    }

    public static LocalApiServer start() {
        String dir = System.getenv("KUBE_API_TEST_DIR");
        if (dir == null || dir.isBlank()) {
            dir = Path.of(System.getProperty("user.home"), ".cache", "messagestack", "kube-api-test").toString();
        }
        Path bin = Path.of(dir, "k8s", KubeApi.K8S_VERSION + "-linux-amd64", "kube-apiserver");
        if (!Files.isExecutable(bin)) {
            fail(bin + " is missing: run `make kube-api-test-bins` (builds kube-apiserver and etcd offline)");
        }
        waitPastMidnightWindow(LocalTime.now());
        KubeAPIServer server = new KubeAPIServer(KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withTestDir(dir)
                .withApiServerVersion(KubeApi.K8S_VERSION)
                .withOfflineMode(true)
                .withUpdateKubeConfig(false)
                .withWaitForEtcdHealthCheckOnStartup(true)
                .withStartupTimeout((int) STARTUP_TIMEOUT.toMillis())
                .build());
        server.start();
        KubernetesClient client = new KubernetesClientBuilder()
                .withConfig(Config.fromKubeconfig(server.getKubeConfigYaml())).build();
        return new LocalApiServer(server, client);
    }

    /**
     * kube-api-test 7.4.0 computes its startup deadline as a LocalTime (start + timeout) and fails at
     * once when that wraps past midnight: a start in the last minute of the day fails every IT with
     * "etcd did not start properly" (the stop CI of 2026-12-06, 23:59 UTC). Starting after midnight
     * avoids the wrap; the window is both pollers' timeouts plus the time etcd takes to come up.
     */
    static Duration waitBeforeStart(LocalTime now) {
        Duration untilMidnight = Duration.between(now, LocalTime.MAX).plusNanos(1);
        Duration window = STARTUP_TIMEOUT.multipliedBy(2).plusSeconds(30);
        return untilMidnight.compareTo(window) > 0 ? Duration.ZERO : untilMidnight.plusSeconds(1);
    }

    private static void waitPastMidnightWindow(LocalTime now) {
        Duration wait = waitBeforeStart(now);
        if (wait.isZero()) {
            return;
        }
        System.err.printf("[LocalApiServer] %s: kube-api-test's startup deadline would wrap at midnight; waiting %d s%n",
                now, wait.toSeconds());
        try {
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public String kubeConfigYaml() {
        return server.getKubeConfigYaml();
    }

    public KubernetesClient client() {
        return client;
    }

    @Override
    public void close() {
        client.close();
        server.stop();
    }
}
