package io.messagestack.operator.it;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real kube-apiserver + etcd from fabric8 kube-api-test, always offline, from the lab's binaries.
 * Started by hand rather than with @EnableKubeAPIServer: kube-api-test 7.4.0 casts the env value of
 * KUBE_API_TEST_OFFLINE_MODE ("true", a String) to Boolean and fails unless offline mode is set in code.
 */
public final class LocalApiServer implements AutoCloseable {
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
        KubeAPIServer server = new KubeAPIServer(KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withTestDir(dir)
                .withApiServerVersion(KubeApi.K8S_VERSION)
                .withOfflineMode(true)
                .withUpdateKubeConfig(false)
                .withWaitForEtcdHealthCheckOnStartup(true)
                .build());
        server.start();
        KubernetesClient client = new KubernetesClientBuilder()
                .withConfig(Config.fromKubeconfig(server.getKubeConfigYaml())).build();
        return new LocalApiServer(server, client);
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
