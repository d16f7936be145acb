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
    private static final String PASSWORD = "Ab3dEf7h";

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
        assertTrue(t.contains("track_file local_service {\n    file \"/run/messagestack-keepalived/frontend.state\""), t);
        assertTrue(t.contains("track_file {\n        local_service weight 0\n"), "weight 0: non-zero = FAULT\n" + t);
        assertFalse(t.contains("vrrp_script"), "a script timing out on a busy node moved the address\n" + t);
        assertTrue(t.contains("advert_int 1\n"), t);
        assertTrue(t.contains("priority 250\n"), "a backup waits (256 - priority)/256 s after the holder's "
                + "priority-0 advert; at 100 the address was on no node for 0.6 s\n" + t);
        assertTrue(t.contains("unicast_peer {\n__UNICAST_PEERS__\n"));
        assertTrue(t.contains("authentication {\n        auth_type PASS\n        auth_pass __VRRP_AUTH_PASS__\n"),
                "adverts carry the password; the ConfigMap only a placeholder\n" + t);
        String proxy = KeepalivedConfigRenderer.renderTemplate(
                Keepalived.settings(TestStacks.stack(vipSpec()), Keepalived.Role.PROXY));
        assertTrue(proxy.contains("virtual_router_id 52"));
        assertTrue(proxy.contains("/run/messagestack-keepalived/proxy.state"));
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
        return startScript(dir, env, 1);
    }

    private static Process startScript(Path dir, Map<String, String> env, int port) throws Exception {
        for (var e : Keepalived.config(TestStacks.stack(vipSpec())).getData().entrySet()) {
            Files.writeString(dir.resolve(e.getKey()), e.getValue());
        }
        ProcessBuilder pb = new ProcessBuilder("bash", dir.resolve("keepalived-start.sh").toString(), "frontend",
                String.valueOf(port)).redirectErrorStream(true);
        pb.environment().putAll(Map.of("CONFIG_DIR", dir.toString(), "STATE_DIR", dir.resolve("run").toString(),
                "KEEPALIVED_CONF", dir.resolve("out.conf").toString(), "RENDER_ONLY", "1",
                VrrpAuth.ENV, PASSWORD));
        pb.environment().putAll(env);
        return pb.start();
    }

    @Test
    void theSidecarScriptRendersExactlyWhatJavaRenders(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("peers"), "10.0.0.3\n10.0.0.1\n10.0.0.2\n");
        Process p = startScript(dir, Map.of("HOST_IP", "10.0.0.2", "PEERS_FILE", dir.resolve("peers").toString()));
        String log = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), log);
        assertEquals(KeepalivedConfigRenderer.withPassword(KeepalivedConfigRenderer.withPeers(template(),
                List.of("10.0.0.1", "10.0.0.2", "10.0.0.3"), "10.0.0.2"), PASSWORD),
                Files.readString(dir.resolve("out.conf")));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("out.conf"))), "the config holds the VRRP password");
        assertEquals("1\n", Files.readString(dir.resolve("run/frontend.state")), "nothing on port 1: down; " + log);
    }

    @Test
    void theSidecarRefusesToStartWithoutAUsablePassword(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("peers"), "10.0.0.2\n");
        for (String bad : new String[]{"", "toolong99", "a b", "x'y"}) {
            Process p = startScript(dir, Map.of("HOST_IP", "10.0.0.2", "PEERS_FILE", dir.resolve("peers").toString(),
                    VrrpAuth.ENV, bad));
            String log = new String(p.getInputStream().readAllBytes());
            assertEquals(1, p.waitFor(), "password '" + bad + "': " + log);
            assertFalse(Files.exists(dir.resolve("out.conf")), "nothing rendered for '" + bad + "'");
            assertFalse(log.contains(bad.isEmpty() ? "\u0000" : bad), "the password is never logged: " + log);
        }
    }

    @Test
    void thePasswordComesFromTheStacksSecretAndRollsThePods() {
        var stack = TestStacks.stack(vipSpec());
        var template = new io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder().withNewMetadata()
                .withAnnotations(new java.util.HashMap<>()).endMetadata().withNewSpec().endSpec().build();
        Keepalived.attach(template, stack, Keepalived.Role.PROXY);
        var env = template.getSpec().getContainers().get(0).getEnv().stream()
                .filter(e -> e.getName().equals(VrrpAuth.ENV)).findFirst().orElseThrow();
        assertEquals(stack.names().vrrpAuth(), env.getValueFrom().getSecretKeyRef().getName());
        assertEquals(VrrpAuth.KEY, env.getValueFrom().getSecretKeyRef().getKey());
        assertFalse(Keepalived.config(stack).getData().values().stream().anyMatch(v -> v.contains(PASSWORD)));
        assertEquals(8, VrrpAuth.generate().length(), "keepalived uses 8 characters of a PASS password");
        assertTrue(VrrpAuth.generate().matches("[A-Za-z0-9]{8}"));
        assertFalse(VrrpAuth.hash("aaaaaaaa").equals(VrrpAuth.hash("aaaaaaab")), "a new password rolls the pods");
        String encoded = java.util.Base64.getEncoder().encodeToString("Ab3dEf7h".getBytes());
        assertEquals("Ab3dEf7h", VrrpAuth.passwordOf(Map.of(VrrpAuth.KEY, encoded)));
        assertEquals(null, VrrpAuth.passwordOf(Map.of(VrrpAuth.KEY,
                java.util.Base64.getEncoder().encodeToString("has space".getBytes()))), "unusable: regenerated");
        assertEquals(null, VrrpAuth.passwordOf(Map.of()));
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
    void theStateFileSaysUpWhileTheLocalPortAccepts(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("peers"), "10.0.0.2\n");
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 5,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            Process p = startScript(dir, Map.of("HOST_IP", "10.0.0.2", "PEERS_FILE",
                    dir.resolve("peers").toString()), server.getLocalPort());
            String log = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.waitFor(), log);
            assertEquals("0\n", Files.readString(dir.resolve("run/frontend.state")), log);
        }
    }

    @Test
    void realKeepalivedAcceptsTheConfig(@TempDir Path dir) throws Exception {
        Path keepalived = RealBinary.require("keepalived");
        Path state = dir.resolve("frontend.state");
        Files.writeString(state, "0\n");
        String conf = KeepalivedConfigRenderer.withPassword(KeepalivedConfigRenderer.withPeers(template(),
                List.of("10.0.0.1", "10.0.0.3"), "10.0.0.9"), PASSWORD)
                .replace(Keepalived.stateFile(Keepalived.Role.FRONTEND), state.toString());
        Path file = dir.resolve("keepalived.conf");
        Files.writeString(file, conf);
        RealBinary.Result result = RealBinary.run(keepalived.toString(), "--config-test=" + dir.resolve("t.log"),
                "--use-file", file.toString());
        String log = Files.exists(dir.resolve("t.log")) ? Files.readString(dir.resolve("t.log")) : "";
        assertEquals(0, result.exitCode(), "keepalived --config-test rejected the config:\n" + result.output() + log);
    }
}
