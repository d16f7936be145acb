package io.messagestack.operator.vip;

import io.messagestack.operator.common.RealBinary;
import io.messagestack.operator.common.TestStacks;
import io.messagestack.operator.crd.MessageStackSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeepalivedConfigRendererTest {
    private static MessageStackSpec vipSpec() {
        MessageStackSpec spec = new MessageStackSpec();
        spec.vip.enabled = true;
        spec.vip.frontendAddress = "172.18.0.200";
        spec.vip.proxyAddress = "172.18.0.201";
        return spec;
    }

    private static String template() {
        return KeepalivedConfigRenderer.renderTemplate(
                Keepalived.settings(TestStacks.stack(vipSpec()), Keepalived.Role.FRONTEND));
    }

    @Test
    void backupEverywhereUnicastTrackScript() {
        String t = template();
        assertTrue(t.contains("state BACKUP"));
        assertTrue(t.contains("nopreempt"));
        assertFalse(t.contains("state MASTER"), "two MASTERs fight over the address");
        assertTrue(t.contains("virtual_router_id 51"));
        assertTrue(t.contains("172.18.0.200/32 dev eth0"));
        assertTrue(t.contains("script \"/run/messagestack-keepalived/check-port.sh 80\""),
                "keepalived refuses scripts under the world-writable ConfigMap mount");
        assertTrue(t.contains("interval 1\n") && t.contains("fall 1\n") && t.contains("rise 2\n"), t);
        assertTrue(t.contains("advert_int 1\n"), t);
        assertTrue(t.contains("track_script {\n        check_local_service"));
        assertTrue(t.contains("unicast_peer {\n__UNICAST_PEERS__\n"));
        String proxy = KeepalivedConfigRenderer.renderTemplate(
                Keepalived.settings(TestStacks.stack(vipSpec()), Keepalived.Role.PROXY));
        assertTrue(proxy.contains("virtual_router_id 52"));
        assertTrue(proxy.contains("check-port.sh 3306"));
    }

    @Test
    void peersLeaveOutTheOwnNode() {
        String conf = KeepalivedConfigRenderer.withPeers(template(), List.of("10.0.0.1", "10.0.0.2", "10.0.0.3"),
                "10.0.0.2");
        assertTrue(conf.contains("        10.0.0.1\n        10.0.0.3\n"));
        assertFalse(conf.contains("10.0.0.2"));
        assertFalse(conf.contains("__UNICAST_PEERS__"));
    }

    private static Process startScript(Path dir, Map<String, String> env) throws Exception {
        for (var e : Keepalived.config(TestStacks.stack(vipSpec())).getData().entrySet()) {
            Files.writeString(dir.resolve(e.getKey()), e.getValue());
        }
        ProcessBuilder pb = new ProcessBuilder("bash", dir.resolve("keepalived-start.sh").toString(), "frontend")
                .redirectErrorStream(true);
        pb.environment().putAll(Map.of("CONFIG_DIR", dir.toString(), "SCRIPT_DIR", dir.resolve("run").toString(),
                "KEEPALIVED_CONF", dir.resolve("out.conf").toString(), "RENDER_ONLY", "1"));
        pb.environment().putAll(env);
        return pb.start();
    }

    @Test
    void theSidecarScriptRendersExactlyWhatJavaRenders(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("peers"), "10.0.0.3\n10.0.0.1\n10.0.0.2\n");
        Process p = startScript(dir, Map.of("HOST_IP", "10.0.0.2", "PEERS_FILE", dir.resolve("peers").toString()));
        String log = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), log);
        assertEquals(KeepalivedConfigRenderer.withPeers(template(), List.of("10.0.0.1", "10.0.0.2", "10.0.0.3"),
                "10.0.0.2"), Files.readString(dir.resolve("out.conf")));
        assertTrue(Files.isExecutable(dir.resolve("run/check-port.sh")), "the track script is installed: " + log);
    }

    @Test
    void aPeerListWithoutTheOwnNodeIsNotTrusted(@TempDir Path dir) throws Exception {
        // The pod's own address missing means the answer is stale: wait, then start alone rather than with it.
        Files.writeString(dir.resolve("peers"), "10.0.0.1\n10.0.0.3\n");
        Process p = startScript(dir, Map.of("HOST_IP", "10.0.0.2", "PEERS_FILE", dir.resolve("peers").toString(),
                "PEER_WAIT_SECONDS", "1"));
        String log = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), log);
        assertTrue(log.contains("not in the peer list"), log);
        String conf = Files.readString(dir.resolve("out.conf"));
        assertFalse(conf.contains("10.0.0.1"), conf);
        assertFalse(conf.contains("__UNICAST_PEERS__"), conf);
    }

    @Test
    void peersComeFromAHeadlessServiceOfTheRolesPodsReadyOrNot() {
        var stack = TestStacks.stack(vipSpec());
        var svc = Keepalived.peerService(stack, Keepalived.Role.PROXY);
        assertEquals("None", svc.getSpec().getClusterIP());
        assertTrue(svc.getSpec().getPublishNotReadyAddresses());
        assertEquals("proxy", svc.getSpec().getSelector().get("app.kubernetes.io/component"));
        assertEquals(3, Keepalived.desired(stack).size());
        assertFalse(Keepalived.config(stack).getData().keySet().stream().anyMatch(k -> k.endsWith(".peers")));
    }

    @Test
    void theTrackScriptFollowsTheLocalPort(@TempDir Path dir) throws Exception {
        Path script = dir.resolve("check-port.sh");
        Files.writeString(script, Keepalived.config(TestStacks.stack(vipSpec())).getData().get("check-port.sh"));
        int port;
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 5,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            port = server.getLocalPort();
            assertEquals(0, new ProcessBuilder("bash", script.toString(), String.valueOf(port)).start().waitFor(),
                    "a listening port passes");
        }
        long start = System.nanoTime();
        assertEquals(1, new ProcessBuilder("bash", script.toString(), String.valueOf(port)).start().waitFor(),
                "a closed port fails");
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms < 900, "a closed port fails fast (one retry after 0.3 s), took " + ms + " ms");
    }

    @Test
    void realKeepalivedAcceptsTheConfig(@TempDir Path dir) throws Exception {
        Path keepalived = RealBinary.require("keepalived");
        Path check = dir.resolve("check.sh");
        Files.writeString(check, "#!/bin/sh\nexit 0\n");
        check.toFile().setExecutable(true);
        String conf = KeepalivedConfigRenderer.withPeers(template(), List.of("10.0.0.1", "10.0.0.3"), "10.0.0.9")
                .replace(Keepalived.SCRIPT_DIR + "/check-port.sh 80", check.toString());
        Path file = dir.resolve("keepalived.conf");
        Files.writeString(file, conf);
        RealBinary.Result result = RealBinary.run(keepalived.toString(), "--config-test=" + dir.resolve("t.log"),
                "--use-file", file.toString());
        String log = Files.exists(dir.resolve("t.log")) ? Files.readString(dir.resolve("t.log")) : "";
        assertEquals(0, result.exitCode(), "keepalived --config-test rejected the config:\n" + result.output() + log);
    }
}
