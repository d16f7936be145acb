package io.messagestack.operator.reconcile;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.messagestack.operator.backup.BackupLayout;
import io.messagestack.operator.backup.BackupSchedule;
import io.messagestack.operator.common.Images;
import io.messagestack.operator.common.SpecLimits;
import io.messagestack.operator.crd.BackupSpec;
import io.messagestack.operator.crd.DatabaseSpec;
import io.messagestack.operator.crd.FrontendServiceSpec;
import io.messagestack.operator.crd.MessageStackSpec;
import io.messagestack.operator.crd.PvcStorageSpec;
import io.messagestack.operator.crd.S3StorageSpec;
import io.messagestack.operator.crd.VipSpec;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The operator's own check of a spec, before it writes anything: the same bounds as the CRD (common/SpecLimits),
 * for when the schema did not run (an older CRD, a CRD installed without validation, a cluster without CEL). A
 * refused spec gets Ready=False, reason InvalidSpec, and nothing is created or changed. Pure, so every rule is
 * unit-tested (SpecValidationTest).
 */
public final class SpecValidation {
    public static final String REASON = "InvalidSpec";

    private static final Pattern NAME = Pattern.compile(SpecLimits.NAME_PATTERN);
    private static final Pattern IMAGE = Pattern.compile(SpecLimits.IMAGE_PATTERN);
    private static final Pattern STORAGE_CLASS = Pattern.compile(SpecLimits.STORAGE_CLASS_PATTERN);
    private static final Pattern CONFIG_KEY = Pattern.compile(SpecLimits.CONFIG_KEY_PATTERN);
    private static final Pattern IPV4 = Pattern.compile(VipSpec.IPV4);
    private static final Pattern S3_ENDPOINT = Pattern.compile(SpecLimits.S3_ENDPOINT_PATTERN);
    private static final Pattern S3_BUCKET = Pattern.compile(SpecLimits.S3_BUCKET_PATTERN);
    private static final Pattern S3_REGION = Pattern.compile(SpecLimits.S3_REGION_PATTERN);
    private static final Pattern OBJECT_NAME = Pattern.compile(SpecLimits.OBJECT_NAME_PATTERN);
    private static final Pattern BACKUP_MAX_AGE = Pattern.compile(SpecLimits.BACKUP_MAX_AGE_PATTERN);
    private static final Pattern BACKUP_SCHEDULE = Pattern.compile(SpecLimits.BACKUP_SCHEDULE_PATTERN);
    private static final Pattern INTERFACE = Pattern.compile("^[a-zA-Z0-9._-]{1,15}$");
    /** Kubernetes' quantity grammar (resource.Quantity), so that what the API server calls a quantity we do too. */
    private static final Pattern QUANTITY =
            Pattern.compile("^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]+)?$");

    private SpecValidation() {
    }

    /** One refused field: its path and what is allowed. */
    public record Refusal(String field, String message) {
        @Override
        public String toString() {
            return field + ": " + message;
        }
    }

    /** Every refusal of this spec; empty when the operator may act on it. */
    public static List<Refusal> check(String name, MessageStackSpec spec) {
        List<Refusal> out = new ArrayList<>();
        checkName(name, out);
        if (spec == null) {
            return out; // no spec at all is the all-defaults stack (see MessageStack.initSpec)
        }
        if (require(spec.database, "spec.database", out)) {
            checkDatabase(spec.database, out);
        }
        if (require(spec.proxy, "spec.proxy", out)) {
            replicas("spec.proxy.replicas", spec.proxy.replicas, SpecLimits.PROXY_REPLICAS_MIN,
                    SpecLimits.PROXY_REPLICAS_MAX, out);
            image("spec.proxy.image", spec.proxy.image, out);
            resources("spec.proxy.resources", spec.proxy.resources, out);
        }
        if (require(spec.api, "spec.api", out)) {
            replicas("spec.api.replicas", spec.api.replicas, SpecLimits.API_REPLICAS_MIN,
                    SpecLimits.API_REPLICAS_MAX, out);
            image("spec.api.image", spec.api.image, out);
            resources("spec.api.resources", spec.api.resources, out);
        }
        if (require(spec.frontend, "spec.frontend", out)) {
            replicas("spec.frontend.replicas", spec.frontend.replicas, SpecLimits.FRONTEND_REPLICAS_MIN,
                    SpecLimits.FRONTEND_REPLICAS_MAX, out);
            image("spec.frontend.image", spec.frontend.image, out);
            resources("spec.frontend.resources", spec.frontend.resources, out);
            checkFrontendService(spec.frontend.service, out);
        }
        if (require(spec.vip, "spec.vip", out)) {
            checkVip(spec.vip, out);
        }
        if (require(spec.placement, "spec.placement", out)) {
            require(spec.placement.antiAffinity, "spec.placement.antiAffinity", out);
        }
        if (require(spec.monitoring, "spec.monitoring", out)) {
            checkMonitoringLabels(spec.monitoring.labels, out);
        }
        if (spec.backup != null) {
            checkBackup(spec.backup, out);
            if (spec.pointInTimeRecovery() && spec.database != null) {
                if (spec.database.engine != null && spec.database.engine != io.messagestack.operator.crd.Engine.MARIADB_GALERA) {
                    out.add(new Refusal("spec.backup.pointInTimeRecovery.enabled", "point-in-time recovery is built"
                            + " and tested for spec.database.engine mariadb-galera only (Percona XtraDB Cluster has"
                            + " no wsrep_gtid_mode)"));
                }
                checkPitrConfig(spec.database.config, out);
            }
        }
        return out;
    }

    /**
     * What the CRD's transition rule refuses, seen from the objects: volumes created to be kept (the StatefulSet's
     * claims are retained) must not become deleted with the stack by a later edit.
     */
    public static Optional<Refusal> checkDeleteWithStackChange(MessageStackSpec spec, StatefulSet existing) {
        if (spec == null || spec.database == null || spec.database.storage == null
                || !spec.database.storage.deleteWithStack || existing == null) {
            return Optional.empty();
        }
        var policy = existing.getSpec() == null ? null : existing.getSpec().getPersistentVolumeClaimRetentionPolicy();
        if (policy != null && "Retain".equals(policy.getWhenDeleted())) {
            return Optional.of(new Refusal("spec.database.storage.deleteWithStack", "cannot change from false to"
                    + " true on an existing stack (it would delete the data volumes with the stack by surprise);"
                    + " true is allowed only when the stack is created"));
        }
        return Optional.empty();
    }

    /** One line for the status and the event: every refused field. */
    public static String describe(List<Refusal> refusals) {
        StringBuilder out = new StringBuilder("spec refused, nothing was created or changed: ");
        for (int i = 0; i < refusals.size(); i++) {
            out.append(i == 0 ? "" : "; ").append(refusals.get(i));
        }
        return out.toString();
    }

    private static void checkName(String name, List<Refusal> out) {
        if (name == null || name.length() > SpecLimits.NAME_MAX_LENGTH || !NAME.matcher(name).matches()) {
            out.add(new Refusal("metadata.name", "must be at most " + SpecLimits.NAME_MAX_LENGTH + " characters of"
                    + " a-z, 0-9 and '-', starting with a letter and ending with a letter or digit, so that every"
                    + " derived name fits (was " + (name == null ? "empty" : name.length() + " characters") + ")"));
        }
    }

    private static void checkDatabase(DatabaseSpec db, List<Refusal> out) {
        require(db.engine, "spec.database.engine", out);
        boolean single = db.replicas == 1 && db.allowUnsafeSingleNode;
        boolean odd = db.replicas >= SpecLimits.DB_REPLICAS_MIN && db.replicas <= SpecLimits.DB_REPLICAS_MAX
                && db.replicas % 2 == 1;
        if (!single && !odd) {
            out.add(new Refusal("spec.database.replicas", "is " + db.replicas + "; must be odd, from "
                    + SpecLimits.DB_REPLICAS_MIN + " to " + SpecLimits.DB_REPLICAS_MAX
                    + " (1 only with spec.database.allowUnsafeSingleNode: true)"));
        }
        image("spec.database.image", db.image, out);
        resources("spec.database.resources", db.resources, out);
        if (require(db.storage, "spec.database.storage", out)) {
            checkStorageSize(db.storage.size, out);
            String sc = db.storage.storageClassName;
            if (sc != null && (sc.length() > SpecLimits.STORAGE_CLASS_MAX_LENGTH || !STORAGE_CLASS.matcher(sc).matches())) {
                out.add(new Refusal("spec.database.storage.storageClassName", "must be a DNS subdomain of at most "
                        + SpecLimits.STORAGE_CLASS_MAX_LENGTH + " characters, or empty"));
            }
        }
        checkConfig(db.config, out);
        if (db.restore != null) {
            checkRestore(db.restore, out);
            if (db.restore.pointInTime != null && db.engine != null
                    && db.engine != io.messagestack.operator.crd.Engine.MARIADB_GALERA) {
                out.add(new Refusal("spec.database.restore.pointInTime", "point-in-time recovery is built and tested"
                        + " for spec.database.engine mariadb-galera only"));
            }
        }
    }

    private static final Pattern POINT_IN_TIME = Pattern.compile(SpecLimits.POINT_IN_TIME_PATTERN);

    /** spec.database.restore.pointInTime as an instant; empty when it is not an RFC 3339 time within the bounds. */
    public static Optional<java.time.Instant> pointInTime(String value) {
        if (value == null || value.length() > SpecLimits.POINT_IN_TIME_MAX_LENGTH
                || !POINT_IN_TIME.matcher(value).matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(java.time.OffsetDateTime.parse(value).toInstant());
        } catch (java.time.DateTimeException e) {
            return Optional.empty();
        }
    }

    private static final java.util.regex.Pattern RESTORE_PATH =
            java.util.regex.Pattern.compile(SpecLimits.RESTORE_PATH_PATTERN);

    private static void checkRestore(io.messagestack.operator.crd.RestoreSpec restore, List<Refusal> out) {
        if ((restore.backup == null) == (restore.location == null)) {
            out.add(new Refusal("spec.database.restore", "set exactly one of backup and location"));
        }
        if (restore.pointInTime != null) {
            pointInTime(restore.pointInTime).ifPresentOrElse(t -> { }, () -> out.add(new Refusal(
                    "spec.database.restore.pointInTime", "must be an RFC 3339 time such as 2026-12-06T14:30:00Z, at"
                    + " most " + SpecLimits.POINT_IN_TIME_MAX_LENGTH + " characters")));
        }
        if (restore.backup != null) {
            objectName("spec.database.restore.backup", restore.backup, true, out);
        }
        var loc = restore.location;
        if (loc != null) {
            if ((loc.s3 == null) == (loc.pvc == null)) {
                out.add(new Refusal("spec.database.restore.location", "set exactly one of s3 and pvc"));
            }
            if (loc.s3 != null) {
                checkS3("spec.database.restore.location.s3", loc.s3, out);
            }
            if (loc.pvc != null) {
                objectName("spec.database.restore.location.pvc.claimName", loc.pvc.claimName, true, out);
            }
            if (loc.path == null || loc.path.length() > SpecLimits.RESTORE_PATH_MAX_LENGTH
                    || !RESTORE_PATH.matcher(loc.path).matches()) {
                out.add(new Refusal("spec.database.restore.location.path", "must be NAMESPACE/STACK/backups/BACKUP"
                        + " (the folder galera-agent backup writes), at most " + SpecLimits.RESTORE_PATH_MAX_LENGTH
                        + " characters"));
            }
        }
    }

    private static void checkBackup(BackupSpec backup, List<Refusal> out) {
        if (require(backup.storage, "spec.backup.storage", out)) {
            S3StorageSpec s3 = backup.storage.s3;
            PvcStorageSpec pvc = backup.storage.pvc;
            if ((s3 == null) == (pvc == null)) {
                out.add(new Refusal("spec.backup.storage", "must set exactly one of s3 and pvc"));
            }
            if (s3 != null) {
                checkS3("spec.backup.storage.s3", s3, out);
            }
            if (pvc != null) {
                objectName("spec.backup.storage.pvc.claimName", pvc.claimName, true, out);
            }
        }
        if (backup.schedule != null) {
            try {
                if (!BACKUP_SCHEDULE.matcher(backup.schedule).matches()) {
                    throw new IllegalArgumentException("spec.backup.schedule: '" + backup.schedule + "' is not a"
                            + " five-field cron expression of digits, * / , - or a macro");
                }
                BackupSchedule.parse("spec.backup.schedule", backup.schedule);
            } catch (IllegalArgumentException e) {
                out.add(new Refusal("spec.backup.schedule", afterField("spec.backup.schedule", e.getMessage())));
            }
        }
        if (backup.retention != null) {
            Integer count = backup.retention.count;
            if (count != null && (count < 1 || count > SpecLimits.BACKUP_RETENTION_COUNT_MAX)) {
                out.add(new Refusal("spec.backup.retention.count", "is " + count + "; must be from 1 to "
                        + SpecLimits.BACKUP_RETENTION_COUNT_MAX));
            }
            if (backup.retention.maxAge != null) {
                try {
                    maxAge(backup.retention.maxAge);
                } catch (IllegalArgumentException e) {
                    out.add(new Refusal("spec.backup.retention.maxAge", e.getMessage()));
                }
            }
        }
    }

    private static void checkS3(String at, S3StorageSpec s3, List<Refusal> out) {
        if (s3.endpoint == null || s3.endpoint.length() > SpecLimits.S3_ENDPOINT_MAX_LENGTH
                || !S3_ENDPOINT.matcher(s3.endpoint).matches()) {
            out.add(new Refusal(at + ".endpoint", "must be http(s)://host[:port] with no path, at"
                    + " most " + SpecLimits.S3_ENDPOINT_MAX_LENGTH + " characters"));
        }
        if (s3.bucket == null || !S3_BUCKET.matcher(s3.bucket).matches()) {
            out.add(new Refusal(at + ".bucket", "must be an S3 bucket name: 3 to 63 characters of"
                    + " a-z, 0-9, '.' and '-', starting and ending with a letter or digit"));
        }
        if (s3.prefix != null) {
            try {
                BackupLayout.normalizePrefix(at + ".prefix", s3.prefix);
            } catch (IllegalArgumentException e) {
                out.add(new Refusal(at + ".prefix",
                        afterField(at + ".prefix", e.getMessage())));
            }
        }
        if (s3.region == null || s3.region.length() > SpecLimits.S3_REGION_MAX_LENGTH
                || !S3_REGION.matcher(s3.region).matches()) {
            out.add(new Refusal(at + ".region", "must be a region name such as us-east-1 (a-z,"
                    + " 0-9 and '-', at most " + SpecLimits.S3_REGION_MAX_LENGTH + " characters)"));
        }
        if (require(s3.credentialsSecret, at + ".credentialsSecret", out)) {
            objectName(at + ".credentialsSecret.name", s3.credentialsSecret.name, true, out);
        }
        if (require(s3.tls, at + ".tls", out) && s3.tls.caSecret != null) {
            objectName(at + ".tls.caSecret.name", s3.tls.caSecret.name, true, out);
        }
    }

    /**
     * spec.backup.retention.maxAge as a Duration: a whole number of minutes (m), hours (h) or days (d), at most
     * {@link SpecLimits#BACKUP_MAX_AGE_MAX_DAYS} days.
     *
     * @throws IllegalArgumentException saying what is allowed
     */
    public static Duration maxAge(String text) {
        String allowed = "must be a whole number of minutes, hours or days such as 90m, 720h or 30d, at most "
                + SpecLimits.BACKUP_MAX_AGE_MAX_DAYS + "d";
        if (text == null || !BACKUP_MAX_AGE.matcher(text).matches()) {
            throw new IllegalArgumentException("is '" + text + "'; " + allowed);
        }
        long n = Long.parseLong(text.substring(0, text.length() - 1));
        Duration d = switch (text.charAt(text.length() - 1)) {
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
        if (d.compareTo(Duration.ofDays(SpecLimits.BACKUP_MAX_AGE_MAX_DAYS)) > 0) {
            throw new IllegalArgumentException("is " + text + "; " + allowed);
        }
        return d;
    }

    private static void objectName(String field, String value, boolean required, List<Refusal> out) {
        if (value == null) {
            if (required) {
                out.add(new Refusal(field, "is required"));
            }
        } else if (value.length() > SpecLimits.OBJECT_NAME_MAX_LENGTH || !OBJECT_NAME.matcher(value).matches()) {
            out.add(new Refusal(field, "is '" + value + "'; must be a Kubernetes object name (DNS subdomain, at most "
                    + SpecLimits.OBJECT_NAME_MAX_LENGTH + " characters)"));
        }
    }

    /** A message that starts with "field: " without it (the Refusal names the field). */
    private static String afterField(String field, String message) {
        return message != null && message.startsWith(field + ": ") ? message.substring(field.length() + 2) : message;
    }

    private static void checkStorageSize(String size, List<Refusal> out) {
        String field = "spec.database.storage.size";
        String allowed = "must be a quantity from " + SpecLimits.STORAGE_MIN + " to " + SpecLimits.STORAGE_MAX;
        BigDecimal bytes = bytes(size);
        if (bytes == null) {
            out.add(new Refusal(field, "is '" + size + "'; " + allowed));
        } else if (bytes.compareTo(bytes(SpecLimits.STORAGE_MIN)) < 0
                || bytes.compareTo(bytes(SpecLimits.STORAGE_MAX)) > 0) {
            out.add(new Refusal(field, "is " + size + "; " + allowed));
        }
    }

    private static final java.util.regex.Pattern LABEL_KEY =
            java.util.regex.Pattern.compile(SpecLimits.LABEL_KEY_PATTERN);
    private static final java.util.regex.Pattern LABEL_VALUE =
            java.util.regex.Pattern.compile(SpecLimits.LABEL_VALUE_PATTERN);

    private static void checkMonitoringLabels(Map<String, String> labels, List<Refusal> out) {
        if (labels == null) {
            return;
        }
        if (labels.size() > SpecLimits.MONITORING_LABELS_MAX) {
            out.add(new Refusal("spec.monitoring.labels", "has " + labels.size() + " labels; at most "
                    + SpecLimits.MONITORING_LABELS_MAX));
        }
        for (Map.Entry<String, String> e : labels.entrySet()) {
            String key = e.getKey();
            String value = e.getValue();
            if (key == null || !LABEL_KEY.matcher(key).matches()) {
                out.add(new Refusal("spec.monitoring.labels", "key '" + key + "' is not a Kubernetes label key"
                        + " ([prefix/]name, the name at most 63 characters of letters, digits, - _ .)"));
            } else if (key.startsWith(SpecLimits.OPERATOR_LABEL_PREFIX)) {
                out.add(new Refusal("spec.monitoring.labels", "key '" + key + "': the "
                        + SpecLimits.OPERATOR_LABEL_PREFIX + " labels are the operator's (its selectors rely on them)"));
            }
            if (value == null || value.length() > SpecLimits.LABEL_VALUE_MAX_LENGTH
                    || !LABEL_VALUE.matcher(value).matches()) {
                out.add(new Refusal("spec.monitoring.labels", "value of '" + key + "' is not a Kubernetes label value"
                        + " (at most " + SpecLimits.LABEL_VALUE_MAX_LENGTH + " characters of letters, digits, - _ .,"
                        + " beginning and ending with a letter or digit, or empty)"));
            }
        }
    }

    private static void checkConfig(Map<String, String> config, List<Refusal> out) {
        if (config == null) {
            return;
        }
        if (config.size() > SpecLimits.CONFIG_MAX_KEYS) {
            out.add(new Refusal("spec.database.config", "has " + config.size() + " keys; at most "
                    + SpecLimits.CONFIG_MAX_KEYS));
        }
        for (Map.Entry<String, String> e : config.entrySet()) {
            String key = e.getKey();
            String value = e.getValue();
            if (key == null || key.length() > SpecLimits.CONFIG_MAX_KEY_LENGTH || !CONFIG_KEY.matcher(key).matches()) {
                out.add(new Refusal("spec.database.config", "key '" + key + "' is not a my.cnf option name (letters,"
                        + " digits, _ . -, at most " + SpecLimits.CONFIG_MAX_KEY_LENGTH + " characters)"));
            } else if (ownedOption(key) != null) {
                out.add(new Refusal("spec.database.config", "key '" + key + "' sets " + ownedOption(key)
                        + ", which the data plane owns; refused keys: " + String.join(", ", SpecLimits.OWNED_CONFIG_KEYS)));
            }
            if (value == null || value.length() > SpecLimits.CONFIG_MAX_VALUE_LENGTH
                    || value.contains("\n") || value.contains("\r")) {
                out.add(new Refusal("spec.database.config", "value of '" + key + "' must be one line of at most "
                        + SpecLimits.CONFIG_MAX_VALUE_LENGTH + " characters"));
            }
        }
    }

    /**
     * The owned option a my.cnf key would set, or null. MySQL reads '-' as '_', ignores case, strips loose-/skip-/
     * enable-/disable-/maximum-, and MariaDB accepts a unique prefix of an option name: refuse all of those.
     */
    static String ownedOption(String key) {
        return optionIn(key, SpecLimits.OWNED_CONFIG_KEYS);
    }

    /** The key of {@code options} a my.cnf key would set (read as {@link #ownedOption} says), or null. */
    static String optionIn(String key, java.util.Collection<String> options) {
        String n = key.toLowerCase(java.util.Locale.ROOT).replace('-', '_');
        if (n.startsWith("loose_")) {
            n = n.substring("loose_".length());
        }
        for (String prefix : SpecLimits.OPTION_PREFIXES) {
            if (!prefix.equals("loose_") && n.startsWith(prefix)) {
                n = n.substring(prefix.length());
                break;
            }
        }
        if (n.isEmpty()) {
            return key;
        }
        for (String owned : options) {
            if (owned.startsWith(n)) {
                return owned;
            }
        }
        return null;
    }

    /**
     * With point-in-time recovery on, the binary log settings are the data plane's (SpecLimits.PITR_CONFIG): a user's
     * log_bin=OFF or wsrep_gtid_mode=OFF would leave the archive silently without transactions.
     */
    private static void checkPitrConfig(Map<String, String> config, List<Refusal> out) {
        if (config == null) {
            return;
        }
        for (String key : config.keySet()) {
            String owned = key == null ? null : optionIn(key, SpecLimits.PITR_CONFIG.keySet());
            if (owned != null) {
                out.add(new Refusal("spec.database.config", "key '" + key + "' sets " + owned + ", which"
                        + " spec.backup.pointInTimeRecovery.enabled owns; refused keys while it is true: "
                        + String.join(", ", SpecLimits.PITR_CONFIG.keySet())));
            }
        }
    }

    private static void checkFrontendService(FrontendServiceSpec service, List<Refusal> out) {
        if (!require(service, "spec.frontend.service", out) || !require(service.type, "spec.frontend.service.type", out)) {
            return;
        }
        if (service.nodePort != null) {
            if (service.nodePort < 30000 || service.nodePort > 32767) {
                out.add(new Refusal("spec.frontend.service.nodePort", "is " + service.nodePort
                        + "; must be from 30000 to 32767"));
            }
            if (service.type == FrontendServiceSpec.Type.ClusterIP) {
                out.add(new Refusal("spec.frontend.service.nodePort", "needs spec.frontend.service.type NodePort or"
                        + " LoadBalancer"));
            }
        }
    }

    private static void checkVip(VipSpec vip, List<Refusal> out) {
        image("spec.vip.image", vip.image, out);
        if (vip.networkInterface == null || !INTERFACE.matcher(vip.networkInterface).matches()) {
            out.add(new Refusal("spec.vip.networkInterface", "must be an interface name of 1 to 15 characters"
                    + " (letters, digits, . _ -)"));
        }
        address("spec.vip.frontendAddress", vip.frontendAddress, vip.enabled, out);
        address("spec.vip.proxyAddress", vip.proxyAddress, vip.enabled, out);
        if (vip.frontendAddress != null && vip.frontendAddress.equals(vip.proxyAddress)) {
            out.add(new Refusal("spec.vip.proxyAddress", "must differ from spec.vip.frontendAddress"));
        }
        routerId("spec.vip.frontendRouterId", vip.frontendRouterId, out);
        routerId("spec.vip.proxyRouterId", vip.proxyRouterId, out);
        if (vip.frontendRouterId == vip.proxyRouterId) {
            out.add(new Refusal("spec.vip.proxyRouterId", "must differ from spec.vip.frontendRouterId"));
        }
    }

    private static void address(String field, String value, boolean required, List<Refusal> out) {
        if (value == null) {
            if (required) {
                out.add(new Refusal(field, "is required when spec.vip.enabled is true"));
            }
        } else if (!IPV4.matcher(value).matches()) {
            out.add(new Refusal(field, "is '" + value + "'; must be a dotted IPv4 address"));
        }
    }

    private static void routerId(String field, int id, List<Refusal> out) {
        if (id < 1 || id > 255) {
            out.add(new Refusal(field, "is " + id + "; must be from 1 to 255"));
        }
    }

    private static void replicas(String field, int value, int min, int max, List<Refusal> out) {
        if (value < min || value > max) {
            out.add(new Refusal(field, "is " + value + "; must be from " + min + " to " + max));
        }
    }

    /**
     * spec.vip.image only where the operator allows it (Images.vipImageOverrideAllowed): the image runs with the host
     * network and NET_ADMIN on every node that holds a VIP pod.
     */
    public static Optional<Refusal> checkVipImage(MessageStackSpec spec, boolean overrideAllowed) {
        if (overrideAllowed || spec == null || spec.vip == null || spec.vip.image == null || spec.vip.image.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(new Refusal("spec.vip.image", "this operator does not let a stack choose the"
                + " keepalived image (it runs with the host network and NET_ADMIN); remove the field, or install the"
                + " operator with " + Images.ALLOW_VIP_IMAGE_OVERRIDE + "=true"));
    }

    private static void image(String field, String image, List<Refusal> out) {
        if (image != null && (image.length() > SpecLimits.IMAGE_MAX_LENGTH || !IMAGE.matcher(image).matches())) {
            out.add(new Refusal(field, "must be an image reference ([registry[:port]/]path[:tag][@digest], no spaces"
                    + " or ';', at most " + SpecLimits.IMAGE_MAX_LENGTH + " characters) or empty"));
        }
    }

    private static void resources(String field, ResourceRequirements resources, List<Refusal> out) {
        if (resources == null) {
            return;
        }
        if (resources.getClaims() != null && !resources.getClaims().isEmpty()) {
            out.add(new Refusal(field + ".claims", "is not supported"));
        }
        Map<String, Quantity> requests = resources.getRequests() == null ? Map.of() : resources.getRequests();
        Map<String, Quantity> limits = resources.getLimits() == null ? Map.of() : resources.getLimits();
        quantities(field + ".requests", requests, out);
        quantities(field + ".limits", limits, out);
        for (Map.Entry<String, Quantity> request : requests.entrySet()) {
            BigDecimal wanted = bytes(text(request.getValue()));
            BigDecimal limit = bytes(text(limits.get(request.getKey())));
            if (wanted != null && limit != null && limit.compareTo(wanted) < 0) {
                out.add(new Refusal(field + ".limits." + request.getKey(), "is " + text(limits.get(request.getKey()))
                        + ", below the request " + text(request.getValue()) + "; limits must not be below requests"));
            }
        }
    }

    private static void quantities(String field, Map<String, Quantity> values, List<Refusal> out) {
        for (Map.Entry<String, Quantity> e : values.entrySet()) {
            if (!SpecLimits.RESOURCE_NAMES.contains(e.getKey())) {
                out.add(new Refusal(field + "." + e.getKey(), "is not allowed; only "
                        + String.join(", ", SpecLimits.RESOURCE_NAMES)));
                continue;
            }
            BigDecimal amount = bytes(text(e.getValue()));
            if (amount == null || amount.signum() <= 0) {
                out.add(new Refusal(field + "." + e.getKey(), "is '" + text(e.getValue())
                        + "'; must be a positive quantity such as 100m or 128Mi"));
            }
        }
    }

    private static String text(Quantity q) {
        if (q == null) {
            return null;
        }
        return (q.getAmount() == null ? "" : q.getAmount()) + (q.getFormat() == null ? "" : q.getFormat());
    }

    /** The amount of a Kubernetes quantity, or null when it is not one. */
    static BigDecimal bytes(String quantity) {
        if (quantity == null || !QUANTITY.matcher(quantity.trim()).matches()) {
            return null;
        }
        try {
            return Quantity.getAmountInBytes(new Quantity(quantity.trim()));
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static boolean require(Object value, String field, List<Refusal> out) {
        if (value == null) {
            out.add(new Refusal(field, "is required (null)"));
            return false;
        }
        return true;
    }
}
