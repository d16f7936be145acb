package io.messagestack.operator.common;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/** A short, stable hash of configuration text, put on pod templates so that a config change rolls the pods. */
public final class ConfigHash {
    public static final String ANNOTATION = "messagestack.io/config-hash";

    private ConfigHash() {
    }

    @SafeVarargs
    public static String of(Map<String, String>... parts) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (Map<String, String> part : parts) {
                // Sorted, so that map order never changes the hash.
                for (Map.Entry<String, String> e : new TreeMap<>(part).entrySet()) {
                    digest.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                    digest.update((byte) 0);
                    digest.update(e.getValue().getBytes(StandardCharsets.UTF_8));
                    digest.update((byte) 0);
                }
            }
            return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
