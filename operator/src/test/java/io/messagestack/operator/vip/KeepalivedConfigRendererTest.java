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
        assertTrue(t.contains("script \"/etc/messagestack/keepalived/check-port.sh 80\""));
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

    @Test
    void theSidecarScriptRendersExactlyWhatJavaRenders(@TempDir Path dir) throws Exception {
        Map<String, String> files = Keepalived.config(TestStacks.stack(vipSpec()),
                List.of("10.0.0.1", "10.0.0.2", "10.0.0.3"), List.of("10.0.0.4")).getData();
        for (var e : files.entrySet()) {
            Files.writeString(dir.resolve(e.getKey()), e.getValue());
        }
        Path out = dir.resolve("out.conf");
        ProcessBuilder pb = new ProcessBuilder("bash", dir.resolve("keepalived-start.sh").toString(), "frontend")
                .redirectErrorStream(true);
        pb.environment().putAll(Map.of("CONFIG_DIR", dir.toString(), "HOST_IP", "10.0.0.2",
                "KEEPALIVED_CONF", out.toString(), "RENDER_ONLY", "1"));
        Process p = pb.start();
        String log = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), log);
        assertEquals(KeepalivedConfigRenderer.withPeers(template(), List.of("10.0.0.1", "10.0.0.2", "10.0.0.3"),
                "10.0.0.2"), Files.readString(out));
    }

    @Test
    void realKeepalivedAcceptsTheConfig(@TempDir Path dir) throws Exception {
        Path keepalived = RealBinary.require("keepalived");
        Path check = dir.resolve("check.sh");
        Files.writeString(check, "#!/bin/sh\nexit 0\n");
        check.toFile().setExecutable(true);
        String conf = KeepalivedConfigRenderer.withPeers(template(), List.of("10.0.0.1", "10.0.0.3"), "10.0.0.9")
                .replace("/etc/messagestack/keepalived/check-port.sh 80", check.toString());
        Path file = dir.resolve("keepalived.conf");
        Files.writeString(file, conf);
        RealBinary.Result result = RealBinary.run(keepalived.toString(), "--config-test=" + dir.resolve("t.log"),
                "--use-file", file.toString());
        String log = Files.exists(dir.resolve("t.log")) ? Files.readString(dir.resolve("t.log")) : "";
        assertEquals(0, result.exitCode(), "keepalived --config-test rejected the config:\n" + result.output() + log);
    }
}
