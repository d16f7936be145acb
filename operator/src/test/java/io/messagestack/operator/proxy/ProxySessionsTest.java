package io.messagestack.operator.proxy;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProxySessionsTest {
    @Test
    void readsTheGaleraBackendsSessionsPerServer() {
        String text = """
                # HELP haproxy_server_current_sessions Number of current sessions on the frontend, backend or server
                # TYPE haproxy_server_current_sessions gauge
                haproxy_server_current_sessions{proxy="galera",server="db-0"} 0
                haproxy_server_current_sessions{proxy="galera",server="db-1"} 6
                haproxy_server_current_sessions{proxy="galera",server="db-2"} 0
                haproxy_server_current_sessions{proxy="other",server="db-2"} 9
                haproxy_server_current_sessions{proxy="galera",server="backup-x"} 3
                haproxy_backend_current_sessions{proxy="galera"} 6
                """;
        assertEquals(Optional.of(Map.of(0, 0L, 1, 6L, 2, 0L)), ProxySessions.parse(text));
    }

    @Test
    void anAnswerWithoutTheBackendIsNoAnswer() {
        assertTrue(ProxySessions.parse("haproxy_process_nbthread 2\n").isEmpty());
        assertTrue(ProxySessions.parse("").isEmpty());
        assertTrue(ProxySessions.parse(null).isEmpty());
    }

    @Test
    void theBackendNameIsTheRenderedOne() {
        String cfg = HaproxyConfigRenderer.render(java.util.List.of("a", "b", "c"), 3306, 9100, 1);
        assertTrue(cfg.contains("backend " + HaproxyConfigRenderer.BACKEND + "\n"), cfg);
    }
}
