package io.messagestack.operator.frontend;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.messagestack.operator.common.ConfigHash;
import io.messagestack.operator.common.TestStacks;
import io.messagestack.operator.crd.FrontendServiceSpec;
import io.messagestack.operator.crd.MessageStackSpec;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrontendTest {
    private static final Map<String, String> PAGE = Map.of("index.html", "<html></html>", "app.js", "x()");

    @Test
    void nginxKeepsServingUntilTheEndpointIsGoneThenQuitsGracefully() {
        var pod = new Frontend(TestStacks.stack(new MessageStackSpec()), PAGE).deployment().getSpec().getTemplate()
                .getSpec();
        var nginx = pod.getContainers().get(0);
        assertEquals(java.util.List.of("/bin/sh", "/etc/messagestack/nginx/nginx-start.sh"), nginx.getCommand());
        String script = new Frontend(TestStacks.stack(new MessageStackSpec()), PAGE).config().getData()
                .get("nginx-start.sh");
        assertTrue(script.contains("trap 'kill -QUIT $pid' TERM"), "SIGTERM becomes nginx's graceful quit");
        Map<String, String> env = new java.util.HashMap<>();
        nginx.getEnv().forEach(e -> env.put(e.getName(), e.getValue()));
        assertEquals("/etc/messagestack/nginx/nginx.conf", env.get("NGINX_CONF"));
        assertEquals("shop-api.prod.svc.cluster.local:8080", env.get("API_SERVICE"));
        assertEquals("shop-api-pods.prod.svc.cluster.local", env.get("API_PODS_HOST"), "the API pods' headless Service");
        assertEquals("8080", env.get("API_PORT"));
        assertEquals(java.util.List.of("/bin/sh", "-c", "sleep 3"), nginx.getLifecycle().getPreStop().getExec().getCommand());
        assertTrue(pod.getTerminationGracePeriodSeconds() >= 10, "pause + graceful quit fit in the grace period");
    }

    @Test
    void aNewPodIsReadyOnlyOnceNginxAnswersAndAStarvedProbeDoesNotMarkAServingPodUnready() {
        Container nginx = new Frontend(TestStacks.stack(new MessageStackSpec()), PAGE).deployment().getSpec()
                .getTemplate().getSpec().getContainers().get(0);
        for (var probe : java.util.List.of(nginx.getStartupProbe(), nginx.getReadinessProbe(), nginx.getLivenessProbe())) {
            assertEquals("/healthz", probe.getHttpGet().getPath(), "nginx's own answer, not a file or a port");
            assertEquals(3, probe.getTimeoutSeconds(), "not the default 1 s: a loaded node answers later");
        }
        assertEquals(1, nginx.getStartupProbe().getPeriodSeconds(), "joins about 1 s after nginx listens");
        assertTrue(nginx.getStartupProbe().getPeriodSeconds() * nginx.getStartupProbe().getFailureThreshold() >= 60,
                "a slow start (DNS lookup of the API pods on a busy node) is not restarted");
    }

    @Test
    void exporterSidecarHasNoPortOfItsOwnBoundedResourcesAndSharesOnlyTheSocketVolume() {
        PodSpec pod = new Frontend(TestStacks.stack(new MessageStackSpec()), PAGE).deployment().getSpec().getTemplate()
                .getSpec();
        Container nginx = pod.getContainers().get(0);
        Container exporter = pod.getContainers().stream().filter(c -> c.getName().equals(Frontend.EXPORTER_CONTAINER))
                .findFirst().orElseThrow();
        assertEquals(nginx.getImage(), exporter.getImage(), "the exporter is Debian's package in the nginx image");
        assertTrue(exporter.getPorts() == null || exporter.getPorts().isEmpty(), "no TCP port: " + exporter.getPorts());
        assertEquals(java.util.List.of("/bin/sh", "-c", Frontend.exporterCommand("/tmp/nginx-metrics")),
                exporter.getCommand());
        assertTrue(exporter.getCommand().get(2).contains(
                "-nginx.scrape-uri=unix:/tmp/nginx-metrics/stub_status.sock:/stub_status"), exporter.getCommand().get(2));
        assertTrue(exporter.getCommand().get(2).contains("-web.listen-address=unix:/tmp/nginx-metrics/exporter.sock"),
                exporter.getCommand().get(2));
        var resources = exporter.getResources();
        assertEquals("100m", resources.getLimits().get("cpu").toString());
        assertEquals("48Mi", resources.getLimits().get("memory").toString());
        assertEquals("5m", resources.getRequests().get("cpu").toString());
        assertEquals("16Mi", resources.getRequests().get("memory").toString());
        assertTrue(exporter.getSecurityContext().getReadOnlyRootFilesystem());
        assertTrue(exporter.getSecurityContext().getRunAsNonRoot());
        assertEquals(Boolean.FALSE, exporter.getSecurityContext().getAllowPrivilegeEscalation());
        assertEquals(java.util.List.of("ALL"), exporter.getSecurityContext().getCapabilities().getDrop());
        assertTrue(exporter.getSecurityContext().getCapabilities().getAdd() == null
                || exporter.getSecurityContext().getCapabilities().getAdd().isEmpty());
        assertEquals(java.util.List.of("/tmp/nginx-metrics"),
                exporter.getVolumeMounts().stream().map(m -> m.getMountPath()).toList());
        assertTrue(nginx.getVolumeMounts().stream().anyMatch(m -> m.getName().equals(exporter.getVolumeMounts().get(0)
                .getName()) && m.getMountPath().equals("/tmp/nginx-metrics")), "nginx shares the socket volume");
        assertEquals(java.util.List.of(80, 8081), nginx.getPorts().stream().map(p -> p.getContainerPort()).toList());
    }

    @Test
    void requestMetricsSidecarRunsTheConfigMapsMtailProgramOnSocketsOnly() {
        Frontend frontend = new Frontend(TestStacks.stack(new MessageStackSpec()), PAGE);
        PodSpec pod = frontend.deployment().getSpec().getTemplate().getSpec();
        Container nginx = pod.getContainers().get(0);
        Container mtail = pod.getContainers().stream()
                .filter(c -> c.getName().equals(Frontend.REQUEST_METRICS_CONTAINER)).findFirst().orElseThrow();
        assertEquals(nginx.getImage(), mtail.getImage(), "mtail is Debian's package in the nginx image");
        assertTrue(mtail.getPorts() == null || mtail.getPorts().isEmpty(), "no TCP port: " + mtail.getPorts());
        String command = mtail.getCommand().get(2);
        assertEquals(java.util.List.of("/bin/sh", "-c", Frontend.requestMetricsCommand("/tmp/nginx-metrics",
                "/etc/messagestack/nginx/nginx-requests.mtail")), mtail.getCommand());
        assertTrue(command.contains(" -logs /tmp/nginx-metrics/requests.log "), command);
        assertTrue(command.contains(" -unix_socket /tmp/nginx-metrics/mtail.sock "), command);
        assertTrue(command.contains("rm -f /tmp/nginx-metrics/mtail.sock;"),
                "the stale socket of a killed mtail is removed before it starts: " + command);
        // nginx-start.sh keeps the request log small (it runs in the nginx container, whatever mtail's state).
        Map<String, String> env = new java.util.HashMap<>();
        nginx.getEnv().forEach(e -> env.put(e.getName(), e.getValue()));
        assertEquals("/tmp/nginx-metrics/requests.log", env.get("REQUEST_LOG"));
        assertEquals(String.valueOf(4 * 1024 * 1024), env.get("REQUEST_LOG_MAX_BYTES"));
        assertTrue(pod.getVolumes().stream().anyMatch(v -> v.getName().equals(mtail.getVolumeMounts().get(1).getName())
                && "16Mi".equals(v.getEmptyDir().getSizeLimit().toString())), "room for the log below 4 MiB");
        // The program is in the config ConfigMap (its hash rolls the pods) as the classpath file.
        assertEquals(io.messagestack.operator.common.ClasspathFiles.read("nginx/nginx-requests.mtail", "test"),
                frontend.config().getData().get(Frontend.REQUEST_METRICS_PROGRAM));
        assertEquals(java.util.List.of("/etc/messagestack/nginx", "/tmp/nginx-metrics"),
                mtail.getVolumeMounts().stream().map(m -> m.getMountPath()).toList());
        assertTrue(mtail.getVolumeMounts().get(0).getReadOnly());
        assertEquals("64Mi", mtail.getResources().getLimits().get("memory").toString());
        assertEquals("200m", mtail.getResources().getLimits().get("cpu").toString());
        assertTrue(mtail.getSecurityContext().getReadOnlyRootFilesystem());
        assertTrue(mtail.getSecurityContext().getRunAsNonRoot());
        assertEquals(Boolean.FALSE, mtail.getSecurityContext().getAllowPrivilegeEscalation());
        // Both paths are announced for the annotation mode (the second one for the lab's extra-path job).
        Map<String, String> annotations = frontend.deployment().getSpec().getTemplate().getMetadata().getAnnotations();
        assertEquals("/metrics", annotations.get("prometheus.io/path"));
        assertEquals("/metrics/requests", annotations.get("prometheus.io/extra-path"));
        assertEquals("8081", annotations.get("prometheus.io/port"));
    }

    @Test
    void pageAndConfigAndNodePort() {
        MessageStackSpec spec = new MessageStackSpec();
        spec.frontend.service.nodePort = 30080;
        Frontend f = new Frontend(TestStacks.stack(spec), PAGE);
        assertEquals("shop-frontend-page", f.page().getMetadata().getName());
        assertEquals(PAGE, f.page().getData());
        assertTrue(f.config().getData().get("nginx.conf").contains("include /tmp/nginx-upstream/message-api.conf;"));
        assertEquals("NodePort", f.service().getSpec().getType());
        assertEquals(30080, f.service().getSpec().getPorts().get(0).getNodePort());
        spec.frontend.service.type = FrontendServiceSpec.Type.ClusterIP;
        assertNull(new Frontend(TestStacks.stack(spec), PAGE).service().getSpec().getPorts().get(0).getNodePort());
    }

    @Test
    void pageChangeRollsThePods() {
        String a = new Frontend(TestStacks.stack(), PAGE).deployment().getSpec().getTemplate().getMetadata()
                .getAnnotations().get(ConfigHash.ANNOTATION);
        String b = new Frontend(TestStacks.stack(), Map.of("index.html", "<html>v2</html>")).deployment().getSpec()
                .getTemplate().getMetadata().getAnnotations().get(ConfigHash.ANNOTATION);
        assertNotEquals(a, b);
    }

    @Test
    void nginxsUpstreamKeepAliveProbesAfterOneSecondInThePodsOwnNetworkNamespaceOnly() {
        PodSpec pod = new Frontend(TestStacks.stack(new MessageStackSpec()), PAGE).deployment().getSpec().getTemplate()
                .getSpec();
        Map<String, String> sysctls = new java.util.HashMap<>();
        pod.getSecurityContext().getSysctls().forEach(s -> sysctls.put(s.getName(), s.getValue()));
        assertEquals("1", sysctls.get("net.ipv4.tcp_keepalive_time"));
        assertEquals("1", sysctls.get("net.ipv4.tcp_keepalive_intvl"));
        assertEquals("2", sysctls.get("net.ipv4.tcp_keepalive_probes"));
        assertEquals("0", sysctls.get("net.ipv4.ip_unprivileged_port_start"), "the port sysctl is kept");
        int detectSeconds = UpstreamKeepalive.IDLE_SECONDS + UpstreamKeepalive.INTERVAL_SECONDS * UpstreamKeepalive.PROBES;
        assertTrue(detectSeconds < 5, "a dead pod's request is resent within a plain client's 5 s: " + detectSeconds);
        String conf = new Frontend(TestStacks.stack(new MessageStackSpec()), PAGE).config().getData().get("nginx.conf");
        assertTrue(conf.contains("proxy_socket_keepalive on;"), "nginx asks for keep-alive on its upstream sockets");

        MessageStackSpec vip = new MessageStackSpec();
        vip.vip.enabled = true;
        vip.vip.frontendAddress = "172.18.0.200";
        vip.vip.proxyAddress = "172.18.0.201";
        PodSpec onHost = new Frontend(TestStacks.stack(vip), PAGE).deployment().getSpec().getTemplate().getSpec();
        assertTrue(onHost.getSecurityContext().getSysctls() == null || onHost.getSecurityContext().getSysctls().isEmpty(),
                "on the host network these would be the node's");
    }

    @Test
    void vipAddsAKeepalivedSidecarWithOnlyNetAdminAndNetRaw() {
        MessageStackSpec spec = new MessageStackSpec();
        spec.vip.enabled = true;
        spec.vip.frontendAddress = "172.18.0.200";
        spec.vip.proxyAddress = "172.18.0.201";
        PodSpec pod = new Frontend(TestStacks.stack(spec), PAGE).deployment().getSpec().getTemplate().getSpec();
        assertTrue(pod.getHostNetwork());
        assertEquals("ClusterFirstWithHostNet", pod.getDnsPolicy());
        Container k = pod.getContainers().stream().filter(c -> c.getName().equals("keepalived")).findFirst()
                .orElseThrow();
        assertEquals("messagestack/keepalived:dev", k.getImage());
        assertEquals(java.util.List.of("ALL"), k.getSecurityContext().getCapabilities().getDrop());
        assertEquals(java.util.List.of("NET_ADMIN", "NET_RAW"), k.getSecurityContext().getCapabilities().getAdd());
        assertNull(k.getSecurityContext().getPrivileged());
        assertEquals("frontend", k.getCommand().get(2));
        assertEquals("status.hostIP", k.getEnv().get(0).getValueFrom().getFieldRef().getFieldPath());
    }
}
