package io.messagestack.operator.security;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.messagestack.operator.common.Components;
import io.messagestack.operator.common.Labels;
import io.messagestack.operator.common.Names;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * The database passwords (keys root, monitor, app, sst) live in two Secrets: {@code <name>-db-credentials}, the one
 * pods and people read, and {@code <name>-db-credentials-internal}, the operator's copy. The database knows only
 * the passwords it was created with, so they are generated once and never replaced: a deleted or edited Secret is
 * restored from the other one, and when both are gone while the volumes hold data, nothing is generated (that
 * would lock message-api out of its own data) and the status says what to do.
 * <p>
 * Keys added in a later version ({@link #ADDED_KEYS}: sst, the state-transfer user's password; backup, the
 * physical backup's; binlog, the binary log archiver's) are generated for a
 * stack whose Secrets lack them, without touching the existing keys: the data plane creates that user on the next
 * start of a node (galera-agent start), so no database holds an older value of it.
 */
public final class DatabaseCredentials {
    public static final String ROOT = "root";
    public static final String MONITOR = "monitor";
    public static final String APP = "app";
    /** The password of the user mariabackup state transfers log in as on the donor (not root; issue 12). */
    public static final String SST = "sst";
    /** The password of the user galera-agent backup logs in as (issue 14; MariaDB only for now). */
    public static final String BACKUP = "backup";
    /** The password of the user the binary log archiver logs in as (point-in-time recovery; MariaDB only). */
    public static final String BINLOG = "binlog";
    /** The keys the database was created with: never generated while its volumes hold data. */
    public static final List<String> ORIGINAL_KEYS = List.of(ROOT, MONITOR, APP);
    /** Keys added later: generated when missing, even on a stack with data (nothing in the database holds them yet). */
    public static final List<String> ADDED_KEYS = List.of(SST, BACKUP, BINLOG);
    public static final List<String> KEYS = List.of(ROOT, MONITOR, APP, SST, BACKUP, BINLOG);
    public static final String MONITOR_USER = "monitor";
    public static final String SST_USER = "sst";
    public static final String BACKUP_USER = "backup";
    public static final String BINLOG_USER = "binlog";
    public static final String APP_USER = "messageapi";
    public static final String APP_DATABASE = "messages";
    public static final String PURPOSE_ANNOTATION = "messagestack.io/purpose";
    private static final int LENGTH = 24;

    private DatabaseCredentials() {
    }

    /** What the operator does about the two Secrets in one reconcile. */
    public sealed interface Plan permits Keep, Write, Lost {
    }

    /** Both Secrets hold the same complete passwords. */
    public record Keep() implements Plan {
    }

    /**
     * Write {@code data} (base64 values, as in {@code Secret.data}) to the main Secret and/or the copy.
     * {@code restored} is true when the main Secret is put back from the copy (worth an event).
     */
    public record Write(Map<String, String> data, boolean main, boolean copy, boolean restored) implements Plan {
    }

    /** The passwords are gone and the volumes hold data: change nothing, tell the user. */
    public record Lost(String message) implements Plan {
    }

    /**
     * Decides from what exists. {@code main} and {@code copy} are the Secrets' data (null when absent);
     * {@code databaseHasData} is true when database volumes exist for this stack.
     */
    public static Plan plan(Names names, Map<String, String> main, Map<String, String> copy, boolean databaseHasData,
                            IntFunction<String> generator) {
        if (complete(copy)) {
            Map<String, String> known = withAddedKeys(only(copy), main, generator);
            boolean mainDiffers = main == null || !known.equals(only(main));
            boolean copyDiffers = !known.equals(only(copy));
            if (!mainDiffers && !copyDiffers) {
                return new Keep();
            }
            // The copy is what the database was created with: undo a deletion or a hand edit of the main Secret.
            boolean restored = main == null || !only(copy, ORIGINAL_KEYS).equals(only(main, ORIGINAL_KEYS));
            return new Write(known, mainDiffers, copyDiffers, restored);
        }
        if (complete(main)) {
            Map<String, String> known = withAddedKeys(only(main), null, generator);
            return new Write(known, !known.equals(only(main)), true, false);
        }
        if (databaseHasData) {
            return new Lost("Secret " + names.dbCredentials() + " is missing or lacks one of the keys " + ORIGINAL_KEYS
                    + ", and so is the operator's copy " + names.dbCredentialsInternal() + ", while the database"
                    + " volumes (PVCs datadir-" + names.dbStatefulSet() + "-N) hold data made with those passwords:"
                    + " new passwords would lock message-api out. Restore " + names.dbCredentials()
                    + " (keys " + String.join(", ", ORIGINAL_KEYS) + ") from your backup, or delete the volumes if"
                    + " their data is not needed. Nothing else was changed.");
        }
        Map<String, String> data = new LinkedHashMap<>();
        for (String key : KEYS) {
            String value = main == null ? null : main.get(key);
            data.put(key, value == null || value.isEmpty() ? encode(generator.apply(LENGTH)) : value);
        }
        return new Write(data, true, true, false);
    }

    /** {@code known} plus every added key it lacks: from {@code other} when that has it, else generated. */
    private static Map<String, String> withAddedKeys(Map<String, String> known, Map<String, String> other,
                                                     IntFunction<String> generator) {
        Map<String, String> out = new LinkedHashMap<>(known);
        for (String key : ADDED_KEYS) {
            if (out.get(key) == null || out.get(key).isEmpty()) {
                String value = other == null ? null : other.get(key);
                out.put(key, value == null || value.isEmpty() ? encode(generator.apply(LENGTH)) : value);
            }
        }
        return out;
    }

    public static Plan plan(Names names, Map<String, String> main, Map<String, String> copy, boolean databaseHasData) {
        return plan(names, main, copy, databaseHasData, Passwords::generate);
    }

    /** The main Secret, read by the database and message-api pods. */
    public static Secret secret(String stack, String namespace, Map<String, String> data) {
        return build(new Names(stack).dbCredentials(), namespace, stack, data,
                "database passwords (root, monitor, app, sst) of MessageStack " + stack);
    }

    /** The operator's copy, from which it restores the main Secret. */
    public static Secret internalCopy(String stack, String namespace, Map<String, String> data) {
        return build(new Names(stack).dbCredentialsInternal(), namespace, stack, data,
                "the operator's copy of " + new Names(stack).dbCredentials() + ", used to restore it; do not edit");
    }

    private static Secret build(String name, String namespace, String stack, Map<String, String> data,
                                String purpose) {
        return new SecretBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace)
                .withLabels(Labels.of(stack, Components.CREDENTIALS))
                .withAnnotations(Map.of(PURPOSE_ANNOTATION, purpose)).endMetadata()
                .withType("Opaque")
                .withData(new LinkedHashMap<>(data))
                .build();
    }

    /** Holds every original key (added keys may be missing: they are generated). */
    private static boolean complete(Map<String, String> data) {
        return data != null && ORIGINAL_KEYS.stream().allMatch(k -> data.get(k) != null && !data.get(k).isEmpty());
    }

    private static Map<String, String> only(Map<String, String> data) {
        return only(data, KEYS);
    }

    private static Map<String, String> only(Map<String, String> data, List<String> keys) {
        Map<String, String> kept = new LinkedHashMap<>();
        for (String key : keys) {
            if (data.get(key) != null) {
                kept.put(key, data.get(key));
            }
        }
        return kept;
    }

    private static String encode(String value) {
        return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
    }
}
