package io.messagestack.operator.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * What {@code galera-agent backup} reported in its termination message (one JSON line, galera-agent/backup.go):
 * {@code {"manifest": {...}, "location": "..."}} on success, {@code {"error": "..."}} on failure. A success is
 * believed only when its manifest passes {@link BackupManifest#parse} and names the expected backup. Pure.
 */
public record BackupOutcome(BackupManifest manifest, String location, String error) {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Kubernetes keeps at most 4096 bytes of a termination message; a reason in the status is kept shorter. */
    static final int REASON_MAX = 1024;

    public boolean succeeded() {
        return manifest != null;
    }

    public static BackupOutcome parse(String terminationMessage, String expectedBackup) {
        if (terminationMessage == null || terminationMessage.isBlank()) {
            return failed("the backup container left no result (termination message empty)");
        }
        JsonNode root;
        try {
            root = JSON.readTree(terminationMessage.trim());
        } catch (Exception e) {
            return failed("the backup's result is not JSON: " + shorten(terminationMessage.trim()));
        }
        if (root.hasNonNull("error")) {
            return failed(root.get("error").asText());
        }
        if (!root.has("manifest") || !root.get("manifest").isObject()) {
            return failed("the backup's result has neither a manifest nor an error");
        }
        BackupManifest m;
        try {
            m = BackupManifest.parse(root.get("manifest").toString());
        } catch (IllegalArgumentException e) {
            return failed("the backup's manifest is invalid: " + e.getMessage());
        }
        if (!m.backup().equals(expectedBackup)) {
            return failed("the backup's manifest names backup " + m.backup() + ", not " + expectedBackup);
        }
        return new BackupOutcome(m, root.path("location").asText(null), null);
    }

    private static BackupOutcome failed(String reason) {
        return new BackupOutcome(null, null, shorten(reason));
    }

    static String shorten(String s) {
        return s.length() <= REASON_MAX ? s : s.substring(0, REASON_MAX - 3) + "...";
    }
}
