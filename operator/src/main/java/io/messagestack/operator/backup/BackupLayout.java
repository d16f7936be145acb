package io.messagestack.operator.backup;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where a stack's backups live in a bucket (or on a backup volume), defined once. Under the user's prefix:
 * <pre>
 *   [prefix/]namespace/stack/backups/BACKUP/data.xbstream.zst   the physical backup, one compressed stream
 *   [prefix/]namespace/stack/backups/BACKUP/manifest.json       written LAST, only after the data is complete
 *   [prefix/]namespace/stack/binlogs/GALERA_UUID/FILE           archived binary logs (point-in-time recovery)
 * </pre>
 * A backup folder without {@code manifest.json} is an incomplete backup (interrupted or failed): it is never
 * listed as restorable. The namespace is part of the path so that two stacks with the same name in two namespaces
 * can share a bucket without overwriting each other.
 */
public final class BackupLayout {
    public static final String DATA_OBJECT = "data.xbstream.zst";
    public static final String MANIFEST_OBJECT = "manifest.json";
    /** spec.backup.storage.s3.prefix: at most this long, in the characters below (the CRD uses the same bounds). */
    public static final int PREFIX_MAX_LENGTH = 256;
    public static final String PREFIX_PATTERN = "^[A-Za-z0-9._/-]*$";
    /** A scheduled backup's name: the stack's name and the slot's minute, which sorts by time. */
    private static final DateTimeFormatter SLOT = DateTimeFormatter.ofPattern("yyyyMMdd-HHmm").withZone(ZoneOffset.UTC);
    private static final Pattern PREFIX = Pattern.compile(PREFIX_PATTERN);
    private static final Pattern UUID = Pattern.compile("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");
    private static final Pattern BINLOG_FILE = Pattern.compile("^[A-Za-z0-9._-]{1,128}$");

    private BackupLayout() {
    }

    /**
     * The user's prefix in canonical form: no leading, trailing or doubled '/', or "" for none.
     *
     * @throws IllegalArgumentException naming {@code field} when it holds characters outside {@link #PREFIX_PATTERN},
     *                                  a "." or ".." segment, or is too long
     */
    public static String normalizePrefix(String field, String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            return "";
        }
        if (prefix.length() > PREFIX_MAX_LENGTH) {
            throw new IllegalArgumentException(field + ": longer than " + PREFIX_MAX_LENGTH + " characters");
        }
        if (!PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException(field + ": '" + prefix + "' may hold only letters, digits, '.', '_', '-' and '/'");
        }
        StringBuilder out = new StringBuilder();
        for (String segment : prefix.split("/")) {
            if (segment.isEmpty()) {
                continue;
            }
            if (segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException(field + ": '" + prefix + "' has a '" + segment + "' segment");
            }
            if (!out.isEmpty()) {
                out.append('/');
            }
            out.append(segment);
        }
        return out.toString();
    }

    /** The folder of everything one stack stores, ending in '/'. */
    public static String stackRoot(String normalizedPrefix, String namespace, String stack) {
        String p = normalizedPrefix.isEmpty() ? "" : normalizedPrefix + "/";
        return p + namespace + "/" + stack + "/";
    }

    public static String backupFolder(String stackRoot, String backupName) {
        return stackRoot + "backups/" + backupName + "/";
    }

    public static String dataObject(String stackRoot, String backupName) {
        return backupFolder(stackRoot, backupName) + DATA_OBJECT;
    }

    public static String manifestObject(String stackRoot, String backupName) {
        return backupFolder(stackRoot, backupName) + MANIFEST_OBJECT;
    }

    public static String binlogObject(String stackRoot, String galeraUuid, String file) {
        if (!UUID.matcher(galeraUuid).matches()) {
            throw new IllegalArgumentException("Galera UUID '" + galeraUuid + "' is not a UUID");
        }
        if (!BINLOG_FILE.matcher(file).matches() || file.equals(".") || file.equals("..")) {
            throw new IllegalArgumentException("binary log file name '" + file + "' is not a plain file name");
        }
        return stackRoot + "binlogs/" + galeraUuid + "/" + file;
    }

    /** The folder of a stack's archived binary logs (the archiver adds the Galera UUID), without a trailing '/'. */
    public static String binlogFolder(String stackRoot) {
        return stackRoot + "binlogs";
    }

    /**
     * The binary log folder of the stack a backup folder ({@code [prefix/]namespace/stack/backups/NAME}, no trailing
     * '/') belongs to: a restore to a point in time replays that stack's archive.
     */
    public static String binlogFolderOfBackup(String backupFolder) {
        int at = backupFolder.lastIndexOf("/backups/");
        if (at <= 0 || backupFolder.indexOf('/', at + "/backups/".length()) >= 0
                || at + "/backups/".length() == backupFolder.length()) {
            throw new IllegalArgumentException("'" + backupFolder + "' is not a backup folder (NAMESPACE/STACK/backups/NAME)");
        }
        return binlogFolder(backupFolder.substring(0, at + 1));
    }

    /** The name of the backup the schedule takes for {@code slot}: {@code <stack>-yyyyMMdd-HHmm} (at most 62). */
    public static String scheduledBackupName(String stack, Instant slot) {
        return stack + "-" + SLOT.format(slot);
    }

    /**
     * The backup a key belongs to, when it is the manifest of a backup of this stack: listing a bucket for
     * {@code stackRoot + "backups/"} and keeping these gives the restorable backups (complete ones only).
     */
    public static Optional<String> completeBackupOf(String stackRoot, String key) {
        String folder = stackRoot + "backups/";
        if (!key.startsWith(folder)) {
            return Optional.empty();
        }
        String rest = key.substring(folder.length());
        if (!rest.endsWith("/" + MANIFEST_OBJECT)) {
            return Optional.empty();
        }
        String name = rest.substring(0, rest.length() - MANIFEST_OBJECT.length() - 1);
        return name.isEmpty() || name.contains("/") ? Optional.empty() : Optional.of(name);
    }
}
