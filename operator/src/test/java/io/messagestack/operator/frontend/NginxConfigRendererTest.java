package io.messagestack.operator.frontend;

import io.messagestack.operator.common.RealBinary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NginxConfigRendererTest {
    @Test
    void apiIsProxiedWithRetriesOfSafeRequestsAndShortTimeouts() {
        String conf = NginxConfigRenderer.render(80);
        assertTrue(block(conf, "upstream message_api {").contains("include /tmp/nginx-upstream/message-api.conf;"),
                "the servers come from the start script");
        assertTrue(conf.contains("location /api/ {"));
        assertTrue(conf.contains("proxy_pass http://message_api;"));
        assertTrue(conf.contains("proxy_next_upstream error timeout http_502 http_503 http_504;"));
        assertTrue(conf.contains("proxy_connect_timeout 1s;"));
        assertFalse(conf.contains("keepalive 16"), "no upstream keep-alive pinned to one API pod");
    }

    @Test
    void aPostIsResentOnlyWhenItCarriesAnIdempotencyKey() {
        String conf = NginxConfigRenderer.render(80);
        String api = block(conf, "location /api/ {");
        String keyed = block(conf, "location @api_keyed {");
        assertTrue(api.contains("if ($http_idempotency_key != \"\")"));
        assertTrue(api.contains("error_page 418 = @api_keyed;"));
        assertFalse(api.lines().anyMatch(l -> l.trim().startsWith("proxy_next_upstream ") && l.contains("non_idempotent")),
                "a POST without a key that reached a backend is never sent twice");
        assertTrue(keyed.contains("proxy_next_upstream error timeout http_502 http_503 http_504 non_idempotent;"));
        assertTrue(keyed.contains("proxy_pass http://message_api;"));
    }

    /** The text of one block, from its opening line to the matching brace. */
    private static String block(String conf, String opening) {
        int start = conf.indexOf(opening);
        assertTrue(start >= 0, "missing " + opening);
        int depth = 0;
        for (int i = start; i < conf.length(); i++) {
            if (conf.charAt(i) == '{') {
                depth++;
            } else if (conf.charAt(i) == '}' && --depth == 0) {
                return conf.substring(start, i + 1);
            }
        }
        throw new AssertionError("unclosed " + opening);
    }

    @Test
    void timeoutsAndListen() {
        String conf = NginxConfigRenderer.render(80);
        assertTrue(conf.contains("proxy_read_timeout 12s;"));
        assertTrue(conf.contains("listen 80;"));
        assertTrue(conf.contains("root /usr/share/messagestack/page;"));
    }

    @Test
    void realNginxAcceptsTheConfig(@TempDir Path dir) throws Exception {
        Path nginx = RealBinary.require("nginx");
        // With the upstream file the start script writes (nginx -t resolves upstream names: use addresses).
        NginxStartScript start = new NginxStartScript(dir);
        start.render("127.0.0.1:8080", java.util.List.of("127.0.0.2"));
        Path file = start.writeConfig(18080);
        RealBinary.Result result = RealBinary.run(nginx.toString(), "-t", "-c", file.toString(),
                "-e", dir.resolve("error.log").toString(), "-g", "daemon off;");
        assertEquals(0, result.exitCode(), "nginx -t rejected the config:\n" + result.output());
    }
}
