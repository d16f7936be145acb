package io.messagestack.operator.proxy;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where one HAProxy pod sends the application's sessions: its {@code haproxy_server_current_sessions} per database
 * server of the {@code galera} backend, read from the Prometheus text of its metrics port (the same series the lab's
 * Prometheus scrapes). Pure (ProxySessionsTest).
 */
public final class ProxySessions {
    private static final Pattern LINE = Pattern.compile(
            "^haproxy_server_current_sessions\\{([^}]*)}\\s+([0-9.eE+-]+)\\s*$");
    private static final Pattern PROXY = Pattern.compile("(?:^|,)proxy=\"([^\"]*)\"");
    private static final Pattern SERVER = Pattern.compile("(?:^|,)server=\"db-(0|[1-9][0-9]{0,5})\"");

    private ProxySessions() {
    }

    /**
     * Sessions by database ordinal; empty when the text has no line of the galera backend (not an HAProxy of this
     * operator, or a truncated answer), so that a missing answer is never read as "no sessions".
     */
    public static Optional<Map<Integer, Long>> parse(String metricsText) {
        if (metricsText == null) {
            return Optional.empty();
        }
        Map<Integer, Long> sessions = new TreeMap<>();
        for (String line : metricsText.split("\n")) {
            Matcher m = LINE.matcher(line.strip());
            if (!m.matches()) {
                continue;
            }
            Matcher proxy = PROXY.matcher(m.group(1));
            Matcher server = SERVER.matcher(m.group(1));
            if (!proxy.find() || !HaproxyConfigRenderer.BACKEND.equals(proxy.group(1)) || !server.find()) {
                continue;
            }
            double value;
            try {
                value = Double.parseDouble(m.group(2));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
            sessions.put(Integer.parseInt(server.group(1)), (long) value);
        }
        return sessions.isEmpty() ? Optional.empty() : Optional.of(sessions);
    }
}
