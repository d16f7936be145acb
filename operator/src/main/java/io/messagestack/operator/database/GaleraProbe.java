package io.messagestack.operator.database;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.messagestack.operator.crd.GaleraStatus;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Asks each database pod's galera-agent for its state ({@code GET /state}) and sums it up. */
public class GaleraProbe {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    /** One agent's answer, reduced to what the status shows. */
    public record NodeState(String clusterStatus, Integer clusterSize, boolean synced) {
    }

    public GaleraStatus probe(List<String> podIps) {
        List<NodeState> states = new ArrayList<>();
        for (String ip : podIps) {
            NodeState s = query(ip);
            if (s != null) {
                states.add(s);
            }
        }
        return summarize(states);
    }

    NodeState query(String ip) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + ip + ":" + DatabaseCluster.AGENT_PORT
                    + "/state")).timeout(Duration.ofSeconds(1)).GET().build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return null;
            }
            return parse(response.body());
        } catch (Exception e) {
            // An unreachable agent is simply not counted; readiness counts come from Kubernetes.
            return null;
        }
    }

    /** Parses the agent's JSON: {uuid, seqno, safeToBootstrap, recovered, running, clusterStatus, localState, clusterSize}. */
    public static NodeState parse(String body) throws java.io.IOException {
        JsonNode n = JSON.readTree(body);
        String clusterStatus = n.hasNonNull("clusterStatus") ? n.get("clusterStatus").asText() : null;
        Integer size = n.hasNonNull("clusterSize") ? n.get("clusterSize").asInt() : null;
        JsonNode local = n.get("localState");
        // wsrep_local_state 4 is Synced; accept the comment text as well.
        boolean synced = local != null && (local.asInt(-1) == 4 || "Synced".equalsIgnoreCase(local.asText()));
        return new NodeState(clusterStatus, size, synced);
    }

    /** Null when no agent answered: then the status says nothing rather than something false. */
    public static GaleraStatus summarize(List<NodeState> states) {
        if (states.isEmpty()) {
            return null;
        }
        GaleraStatus status = new GaleraStatus();
        int synced = 0;
        Integer primarySize = null;
        String anyStatus = null;
        for (NodeState s : states) {
            if (s.synced()) {
                synced++;
            }
            if ("Primary".equals(s.clusterStatus())) {
                primarySize = primarySize == null ? s.clusterSize() : Math.max(primarySize, s.clusterSize());
            }
            if (anyStatus == null) {
                anyStatus = s.clusterStatus();
            }
        }
        status.clusterStatus = primarySize != null ? "Primary" : (anyStatus == null ? "Unknown" : anyStatus);
        status.clusterSize = primarySize != null ? primarySize : 0;
        status.syncedNodes = synced;
        return status;
    }
}
