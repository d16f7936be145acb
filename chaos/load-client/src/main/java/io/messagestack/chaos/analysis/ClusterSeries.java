package io.messagestack.chaos.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Galera cluster size and HAProxy's writer over a scenario run, as the lab's Prometheus saw them
 * (chaos/lib.sh saves two query_range answers side by side: {"clusterSize": ..., "writer": ...}).
 * The size is the largest {@code messagestack_galera_cluster_size} of the stack's nodes (the Primary
 * component's); the writer is the database server with the most HAProxy sessions (HAProxy sends every
 * session to one server), as in the rule {@code messagestack:haproxy_server_has_sessions}.
 */
public final class ClusterSeries {
    private static final Pattern ORDINAL = Pattern.compile("-(\\d+)$");

    /**
     * @param clusterSize null when no node of the stack reported one at that time (every pod gone or unscraped)
     * @param writer      HAProxy's server name (db-N), null when no server had sessions
     */
    public record Sample(long atMs, Integer clusterSize, String writer) {
        /** N of db-N, null when there is no writer or its name has no ordinal. */
        public Integer writerOrdinal() {
            if (writer == null) {
                return null;
            }
            Matcher m = ORDINAL.matcher(writer);
            return m.find() ? Integer.valueOf(m.group(1)) : null;
        }
    }

    private ClusterSeries() {
    }

    public static List<Sample> read(Path file) throws IOException {
        JsonNode both = new ObjectMapper().readTree(file.toFile());
        return fromPrometheus(both.path("clusterSize"), both.path("writer"));
    }

    /** Both answers' timestamps, in order; each with the size and the writer known at that time. */
    public static List<Sample> fromPrometheus(JsonNode clusterSize, JsonNode writer) {
        Map<Long, Integer> sizes = new HashMap<>();
        for (JsonNode series : matrix(clusterSize, "clusterSize")) {
            for (JsonNode v : series.path("values")) {
                sizes.merge(millis(v), (int) Double.parseDouble(v.get(1).asText()), Math::max);
            }
        }
        TreeMap<Long, Sample> samples = new TreeMap<>();
        sizes.keySet().forEach(t -> samples.put(t, null));
        Map<Long, String> writers = new HashMap<>();
        Map<Long, Double> writerSessions = new HashMap<>();
        for (JsonNode series : matrix(writer, "writer")) {
            String server = series.path("metric").path("server").asText(null);
            if (server == null) {
                throw new IllegalArgumentException("writer: a series without a 'server' label: " + series.path("metric"));
            }
            for (JsonNode v : series.path("values")) {
                long at = millis(v);
                samples.put(at, null); // a time when servers reported, with or without sessions
                double sessions = Double.parseDouble(v.get(1).asText());
                if (sessions > 0 && sessions > writerSessions.getOrDefault(at, 0.0)) {
                    writerSessions.put(at, sessions);
                    writers.put(at, server);
                }
            }
        }
        List<Sample> out = new ArrayList<>();
        for (Long t : samples.keySet()) {
            out.add(new Sample(t, sizes.get(t), writers.get(t)));
        }
        return out;
    }

    private static JsonNode matrix(JsonNode answer, String name) {
        if (!"success".equals(answer.path("status").asText())) {
            throw new IllegalArgumentException(name + ": Prometheus did not answer success: "
                    + answer.path("error").asText(answer.toString()));
        }
        JsonNode data = answer.path("data");
        if (!"matrix".equals(data.path("resultType").asText())) {
            throw new IllegalArgumentException(name + ": expected a query_range matrix, got '"
                    + data.path("resultType").asText() + "'");
        }
        return data.path("result");
    }

    private static long millis(JsonNode value) {
        return Math.round(value.get(0).asDouble() * 1000);
    }
}
