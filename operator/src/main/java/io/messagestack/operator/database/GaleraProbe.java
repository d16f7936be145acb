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

    /**
     * One agent's answer, reduced to what the status and full-crash recovery need. {@code recovered*} come from the
     * start script's recovery file ({@code recovered} in /state; seqno null while unknown), {@code grastateUuid} from
     * grastate.dat, {@code recoveryState} is waiting, recovering or needs-sst (null: no recovery file; "waiting" is
     * assumed for an older script's file without a state), {@code hasData} is the agent's has_data (true when an
     * older agent does not say), {@code errors} what the agent could not read.
     */
    public record NodeState(String clusterStatus, Integer clusterSize, boolean synced, boolean waitingForDecision,
                            boolean bootstrapRequested, String recoveredUuid, Long recoveredSeqno,
                            boolean safeToBootstrap, boolean running, boolean hasData, String grastateUuid,
                            String recoveryState, String recoveryError, int recoveryAttempts, String clusterStateUuid,
                            Long lastCommitted, String localStateComment, String errors) {
        public NodeState(String clusterStatus, Integer clusterSize, boolean synced) {
            this(clusterStatus, clusterSize, synced, false, false, null, null, false);
        }

        public NodeState(String clusterStatus, Integer clusterSize, boolean synced, boolean waitingForDecision,
                         boolean bootstrapRequested, String recoveredUuid, Long recoveredSeqno,
                         boolean safeToBootstrap) {
            this(clusterStatus, clusterSize, synced, waitingForDecision, bootstrapRequested, recoveredUuid,
                    recoveredSeqno, safeToBootstrap, false, true, recoveredUuid,
                    waitingForDecision ? "waiting" : null, null, 0, null, null, null, null);
        }
    }

    /** A database pod and its agent's answer. */
    public record PodState(String pod, String ip, NodeState state) {
    }

    /** Asks every pod's agent; pods whose agent does not answer are left out. */
    public List<PodState> probeAll(List<String[]> podsAndIps) {
        List<PodState> result = new ArrayList<>();
        for (String[] p : podsAndIps) {
            NodeState s = query(p[1]);
            if (s != null) {
                result.add(new PodState(p[0], p[1], s));
            }
        }
        return result;
    }

    /**
     * Tells one agent to bootstrap a new Primary component from its data (POST /bootstrap), with the bearer token
     * only the operator holds (AgentToken); the agent answers 401/403 without it and changes nothing.
     */
    public BootstrapAnswer requestBootstrap(String ip, String token) {
        try {
            HttpResponse<String> response = http.send(bootstrapRequest(ip, token), HttpResponse.BodyHandlers.ofString());
            int code = response.statusCode();
            String body = response.body() == null ? "" : response.body().strip();
            return new BootstrapAnswer(code >= 200 && code < 300, "HTTP " + code
                    + (body.isEmpty() ? "" : " " + (body.length() > 300 ? body.substring(0, 300) + "..." : body)));
        } catch (Exception e) {
            return new BootstrapAnswer(false, "no answer: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()));
        }
    }

    /** The agent's answer to POST /bootstrap: accepted or not, and what it said (its reason on a 401/403/409). */
    public record BootstrapAnswer(boolean accepted, String answer) {
    }

    static HttpRequest bootstrapRequest(String ip, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + ip + ":" + DatabaseCluster.AGENT_PORT
                + "/bootstrap")).timeout(Duration.ofSeconds(3)).POST(HttpRequest.BodyPublishers.noBody());
        if (token != null && !token.isBlank()) {
            b.header("Authorization", "Bearer " + token);
        }
        return b.build();
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

    /** Parses the agent's JSON (galera-agent's State; documented in docs/dataplane.md). */
    public static NodeState parse(String body) throws java.io.IOException {
        JsonNode n = JSON.readTree(body);
        String clusterStatus = text(n, "clusterStatus");
        Integer size = n.hasNonNull("clusterSize") ? n.get("clusterSize").asInt() : null;
        JsonNode local = n.get("localState");
        // wsrep_local_state 4 is Synced; accept the comment text as well.
        boolean synced = local != null && (local.asInt(-1) == 4 || "Synced".equalsIgnoreCase(local.asText()));
        JsonNode recovered = n.get("recovered");
        boolean hasRecovery = recovered != null && recovered.isObject();
        String uuid = hasRecovery ? text(recovered, "uuid") : null;
        // null, absent or not a number: unknown. Never read an unknown position as 0.
        Long seqno = hasRecovery && recovered.hasNonNull("seqno") && recovered.get("seqno").isIntegralNumber()
                ? recovered.get("seqno").asLong() : null;
        if (seqno != null && seqno == 0 && !n.has("hasData")) {
            // An agent older than the recovery-state contract reads the start script's null (position unknown) as 0,
            // and a node of this product never waits at 0 (the first bootstrap commits the users). Not a position.
            seqno = null;
        }
        String recoveryState = hasRecovery ? text(recovered, "state") : null;
        if (hasRecovery && (recoveryState == null || recoveryState.isBlank())) {
            recoveryState = "waiting"; // an older start script: its file means "waiting"
        }
        boolean safe = hasRecovery && recovered.path("safeToBootstrap").asBoolean(false)
                || n.path("safeToBootstrap").asBoolean(false);
        String errors = null;
        if (n.has("errors") && n.get("errors").isArray() && !n.get("errors").isEmpty()) {
            List<String> list = new ArrayList<>();
            n.get("errors").forEach(e -> list.add(e.asText()));
            errors = String.join("; ", list);
        }
        return new NodeState(clusterStatus, size, synced, n.path("waitingForDecision").asBoolean(false),
                n.path("bootstrapRequested").asBoolean(false), uuid, seqno, safe, n.path("running").asBoolean(false),
                n.path("hasData").asBoolean(true), text(n, "uuid"), recoveryState,
                hasRecovery ? text(recovered, "error") : null, hasRecovery ? recovered.path("attempts").asInt(0) : 0,
                text(n, "clusterStateUUID"), n.hasNonNull("lastCommitted") ? n.get("lastCommitted").asLong() : null,
                text(n, "localStateComment"), errors);
    }

    private static String text(JsonNode n, String field) {
        return n.hasNonNull(field) ? n.get(field).asText() : null;
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
        status.clusterStatus = primarySize != null ? "Primary"
                : (anyStatus == null || anyStatus.isBlank() ? "Down" : anyStatus);
        status.clusterSize = primarySize != null ? primarySize : 0;
        status.syncedNodes = synced;
        return status;
    }
}
