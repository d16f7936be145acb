package io.messagestack.operator.frontend;

import io.messagestack.operator.common.RealBinary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NginxConfigRendererTest {
    @Test
    void apiIsProxiedWithRetriesOfSafeRequestsAndShortTimeouts() {
        String conf = NginxConfigRenderer.render("shop-api.prod.svc.cluster.local", 8080, 80);
        assertTrue(conf.contains("server shop-api.prod.svc.cluster.local:8080 max_fails=1 fail_timeout=3s;"));
        assertTrue(conf.contains("location /api/ {"));
        assertTrue(conf.contains("proxy_pass http://message_api;"));
        assertTrue(conf.contains("proxy_next_upstream error timeout http_502 http_503 http_504;"));
        assertFalse(conf.lines().anyMatch(l -> l.trim().startsWith("proxy_next_upstream ") && l.contains("non_idempotent")),
                "a POST that reached a backend must not be sent twice");
        assertTrue(conf.contains("proxy_connect_timeout 2s;"));
        assertTrue(conf.contains("proxy_read_timeout 10s;"));
        assertTrue(conf.contains("listen 80;"));
        assertTrue(conf.contains("root /usr/share/messagestack/page;"));
    }

    @Test
    void realNginxAcceptsTheConfig(@TempDir Path dir) throws Exception {
        Path nginx = RealBinary.require("nginx");
        // nginx -t resolves upstream names: use an address, the rest is the same text.
        Path file = dir.resolve("nginx.conf");
        Files.writeString(file, NginxConfigRenderer.render("127.0.0.1", 8080, 18080));
        RealBinary.Result result = RealBinary.run(nginx.toString(), "-t", "-c", file.toString(),
                "-e", dir.resolve("error.log").toString(), "-g", "daemon off;");
        assertEquals(0, result.exitCode(), "nginx -t rejected the config:\n" + result.output());
    }
}
