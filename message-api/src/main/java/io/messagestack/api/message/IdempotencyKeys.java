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
    public static final int MAX_LENGTH = 200;

    private IdempotencyKeys() {
    }

    /**
     * The stored key for a create: the client's header value, or, without one, a fresh token, so
     * that the service's own retry after a lost connection cannot insert the message twice.
     */
    public static String storedKey(String header) {
        if (header == null) {
            return "s:" + UUID.randomUUID();
        }
        if (header.isEmpty() || header.length() > MAX_LENGTH || !header.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            throw new InvalidRequestException("invalid " + HEADER + " header", List.of(new FieldError(HEADER,
                    "must be 1 to " + MAX_LENGTH + " printable ASCII characters")));
        }
        return "k:" + header;
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
