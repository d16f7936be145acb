package io.messagestack.operator.proxy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.messagestack.operator.crd.SwitchoverRequestStatus;
import io.messagestack.operator.crd.WriterStatus;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Why the writer is the writer, kept as annotations on the proxy ConfigMap, the object whose haproxy.cfg names it: one
 * apply writes both, so the reason can never describe another writer, and a status patch the operator loses (a
 * conflict with its own annotation removal) loses nothing. The status's writer is read back from here. The
 * annotations are not part of the config hash: they roll no proxy pod. Pure (WriterRecordTest).
 */
public final class WriterRecord {
    public static final String REASON = "messagestack.io/writer-reason";
    public static final String MESSAGE = "messagestack.io/writer-message";
    public static final String SINCE = "messagestack.io/writer-since";
    public static final String LAST_REQUEST = "messagestack.io/last-switchover-request";
    private static final ObjectMapper JSON = new ObjectMapper();

    private WriterRecord() {
    }

    public static Map<String, String> annotations(WriterStatus w) {
        Map<String, String> out = new LinkedHashMap<>();
        put(out, REASON, w.reason);
        put(out, MESSAGE, w.message);
        put(out, SINCE, w.since);
        if (w.lastRequest != null) {
            try {
                out.put(LAST_REQUEST, JSON.writeValueAsString(w.lastRequest));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot serialize the switchover request", e);
            }
        }
        return out;
    }

    /**
     * The writer {@code pod} with the reason the annotations give; without them (a ConfigMap of an older operator, or
     * none yet) an Initial writer for node 0, else one whose reason is not known.
     */
    public static WriterStatus read(String pod, boolean first, Map<String, String> annotations, String now) {
        Map<String, String> a = annotations == null ? Map.of() : annotations;
        WriterStatus w = new WriterStatus();
        w.pod = pod;
        if (a.get(REASON) != null) {
            w.reason = a.get(REASON);
            w.message = a.get(MESSAGE);
            w.since = a.get(SINCE);
        } else {
            w.reason = first ? WriterStatus.INITIAL : "Unknown";
            w.message = first ? "the first database node (no switchover so far)"
                    : "the node haproxy.cfg names; why it was chosen was not recorded";
            w.since = now;
        }
        String request = a.get(LAST_REQUEST);
        if (request != null) {
            try {
                w.lastRequest = JSON.readValue(request, SwitchoverRequestStatus.class);
            } catch (JsonProcessingException e) {
                w.lastRequest = null; // not ours to repair: the next request writes it again
            }
        }
        return w;
    }

    private static void put(Map<String, String> out, String key, String value) {
        if (value != null) {
            out.put(key, value);
        }
    }
}
