package io.messagestack.operator.frontend;

import io.messagestack.operator.common.RealBinary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

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
    void aSentRequestIsResentOnlyWhenItCarriesAKey() {
        String conf = NginxConfigRenderer.render(80);
        String api = block(conf, "location /api/ {");
        String keyed = block(conf, "location @api_keyed {");
        assertTrue(api.contains("if ($api_keyed)"));
        assertTrue(api.contains("error_page 418 = @api_keyed;"));
        assertTrue(conf.contains("\"~^POST:\" 1;"), "a create is keyed: by the client or by nginx's request id");
        assertTrue(conf.contains("proxy_set_header X-Edge-Request-Id $request_id;"));
        assertFalse(api.lines().anyMatch(l -> l.trim().startsWith("proxy_next_upstream ") && l.contains("non_idempotent")),
                "a PATCH without a key that reached a backend is never sent twice");
        assertTrue(keyed.contains("proxy_next_upstream error timeout http_502 http_503 http_504 non_idempotent;"));
        assertTrue(keyed.contains("proxy_pass http://message_api;"));
    }

    @Test
    void eachCountedRequestIsABoundedLineInTheRequestLog() {
        String conf = NginxConfigRenderer.render(80);
        String http = block(conf, "http {");
        // At http level: the public server inherits it; /healthz (probes), stub_status and the metrics port do not
        // log at all.
        assertTrue(http.contains("access_log /tmp/nginx-metrics/requests.log metrics;"), http);
        assertTrue(block(conf, "location = /healthz {").contains("access_log off;"));
        String format = conf.lines().filter(l -> l.trim().startsWith("log_format metrics ")).findFirst().orElseThrow();
        assertEquals("log_format metrics 'location=$metrics_location status=$status upstream_status=$upstream_status "
                + "upstream_time=$upstream_response_time';", format.trim());
        // Bounded values only: no URI, address, header or credential reaches the metrics.
        for (String unbounded : List.of("$uri", "$request", "$remote_addr", "$http_", "$args", "$upstream_addr")) {
            assertFalse(format.contains(unbounded), unbounded + " in " + format);
        }
        String map = block(conf, "map $uri $metrics_location {");
        assertTrue(map.contains("~^/api/ api;") && map.contains("default page;"), map);
    }

    @Test
    void requestMetricsPathAdmitsPrivateSourcesOnlyAndProxiesToMtailsSocket() {
        String conf = NginxConfigRenderer.render(80);
        String location = block(conf, "location = /metrics/requests {");
        for (String source : io.messagestack.operator.common.Scrape.PRIVATE_SOURCES) {
            assertTrue(location.contains("allow " + source + ";"), source + " in " + location);
        }
        assertTrue(location.contains("deny all;"), location);
        assertTrue(location.contains("proxy_pass http://unix:/tmp/nginx-metrics/mtail.sock:/metrics;"), location);
        // On the metrics port's server, not on the public one.
        String publicServer = block(conf, "server {");
        assertFalse(publicServer.contains("/metrics"), publicServer);
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
