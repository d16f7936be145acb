package io.messagestack.api.message;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

import io.messagestack.api.http.FieldError;
import io.messagestack.api.http.InvalidRequestException;

/** The unique key every create stores, and the fingerprint of its content. Pure functions. */
public final class IdempotencyKeys {

    public static final String HEADER = "Idempotency-Key";
    /**
     * The edge's (nginx's) id of one client request, the same on each of its tries: a create without
     * a client key is stored under it, so nginx may send a create again after a try that may have
     * reached a pod (reset, timeout) and the second try finds the first one's row instead of storing
     * the message twice. Not the client's key: a client's own resend is a new request with a new id.
     */
    public static final String EDGE_HEADER = "X-Edge-Request-Id";
    public static final int MAX_LENGTH = 200;
    private static final String SERVER_TOKEN = "s:";

    private IdempotencyKeys() {
    }

    /**
     * The stored key for a create: the client's header value, or, without one, a fresh token, so
     * that the service's own retry after a lost connection cannot insert the message twice.
     */
    public static String storedKey(String header) {
        return storedKey(header, null);
    }

    /**
     * The stored key for a create: the client's key; without one the edge's request id (see
     * {@link #EDGE_HEADER}; one that is not a well-formed id is ignored, as the client did not
     * send it wrong); without either a fresh server token.
     */
    public static String storedKey(String header, String edgeRequestId) {
        if (header != null) {
            if (!wellFormed(header)) {
                throw new InvalidRequestException("invalid " + HEADER + " header", List.of(new FieldError(HEADER,
                        "must be 1 to " + MAX_LENGTH + " printable ASCII characters")));
            }
            return "k:" + header;
        }
        if (edgeRequestId != null && wellFormed(edgeRequestId)) {
            return "e:" + edgeRequestId;
        }
        return SERVER_TOKEN + UUID.randomUUID();
    }

    /** Whether another request may have stored this key already (a client key or an edge id, not a fresh token). */
    public static boolean mayExist(String storedKey) {
        return !storedKey.startsWith(SERVER_TOKEN);
    }

    private static boolean wellFormed(String key) {
        return !key.isEmpty() && key.length() <= MAX_LENGTH && key.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
    }

    public static String requestHash(MessageInput input) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(input.subject().getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(input.body().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }
}
