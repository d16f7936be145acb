package io.messagestack.operator.reconcile;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceClaimBuilder;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.messagestack.operator.common.SpecLimits;
import io.messagestack.operator.crd.BackupRetentionSpec;
import io.messagestack.operator.crd.BackupSpec;
import io.messagestack.operator.crd.BackupStorageSpec;
import io.messagestack.operator.crd.Engine;
import io.messagestack.operator.crd.FrontendServiceSpec;
import io.messagestack.operator.crd.MessageStackSpec;
import io.messagestack.operator.crd.PvcStorageSpec;
import io.messagestack.operator.crd.RestoreLocationSpec;
import io.messagestack.operator.crd.RestoreSpec;
import io.messagestack.operator.crd.S3StorageSpec;
import io.messagestack.operator.crd.SecretRef;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpecValidationTest {
    /** A case: a change to the default spec, and the field it must be refused for (null: accepted). */
    private record Row(String what, String name, Consumer<MessageStackSpec> change, String refusedField) {
    }

    private static Row ok(String what, Consumer<MessageStackSpec> change) {
        return new Row(what, "shop", change, null);
    }

    private static Row refused(String what, Consumer<MessageStackSpec> change, String field) {
        return new Row(what, "shop", change, field);
    }

    private static ResourceRequirements resources(Map<String, String> requests, Map<String, String> limits) {
        ResourceRequirementsBuilder b = new ResourceRequirementsBuilder();
        requests.forEach((k, v) -> b.addToRequests(k, new Quantity(v)));
        limits.forEach((k, v) -> b.addToLimits(k, new Quantity(v)));
        return b.build();
    }

    private static final List<Row> ROWS = List.of(
            ok("the defaults", s -> { }),
            ok("the largest database", s -> s.database.replicas = 9),
            ok("one unsafe node", s -> { s.database.replicas = 1; s.database.allowUnsafeSingleNode = true; }),
            refused("one node without the flag", s -> s.database.replicas = 1, "spec.database.replicas"),
            refused("even database", s -> s.database.replicas = 4, "spec.database.replicas"),
            refused("database above the maximum", s -> s.database.replicas = 11, "spec.database.replicas"),
            refused("database 100001", s -> s.database.replicas = 100001, "spec.database.replicas"),
            refused("database zero", s -> s.database.replicas = 0, "spec.database.replicas"),
            ok("proxy 1 and 7", s -> { s.proxy.replicas = 1; s.frontend.replicas = 20; s.api.replicas = 12; }),
            refused("proxy 0", s -> s.proxy.replicas = 0, "spec.proxy.replicas"),
            refused("proxy 8", s -> s.proxy.replicas = 8, "spec.proxy.replicas"),
            refused("api 100000", s -> s.api.replicas = 100000, "spec.api.replicas"),
            refused("api 0", s -> s.api.replicas = 0, "spec.api.replicas"),
            refused("frontend 21", s -> s.frontend.replicas = 21, "spec.frontend.replicas"),
            refused("frontend -1", s -> s.frontend.replicas = -1, "spec.frontend.replicas"),
            ok("storage 64Ti", s -> s.database.storage.size = "64Ti"),
            ok("storage 1.5Gi", s -> s.database.storage.size = "1.5Gi"),
            refused("storage -1Gi", s -> s.database.storage.size = "-1Gi", "spec.database.storage.size"),
            refused("storage 0", s -> s.database.storage.size = "0", "spec.database.storage.size"),
            refused("storage 100Mi", s -> s.database.storage.size = "100Mi", "spec.database.storage.size"),
            refused("storage 65Ti", s -> s.database.storage.size = "65Ti", "spec.database.storage.size"),
            refused("storage lots", s -> s.database.storage.size = "lots", "spec.database.storage.size"),
            refused("storage null", s -> s.database.storage.size = null, "spec.database.storage.size"),
            refused("storage class with a space", s -> s.database.storage.storageClassName = "fast ssd",
                    "spec.database.storage.storageClassName"),
            ok("storage class empty", s -> s.database.storage.storageClassName = ""),
            ok("images with registry, port, tag, digest", s -> {
                s.database.image = "registry.example.com:5000/team/mariadb:10.11";
                s.proxy.image = "haproxy@sha256:" + "a".repeat(64);
                s.api.image = "localhost/messagestack/message-api:dev";
                s.frontend.image = "";
            }),
            refused("image with spaces and ;", s -> s.database.image = "mariadb:10.11; rm -rf /",
                    "spec.database.image"),
            refused("image in upper case", s -> s.proxy.image = "HAProxy:2.8", "spec.proxy.image"),
            refused("image ending in :", s -> s.api.image = "nginx:", "spec.api.image"),
            refused("vip image with a space", s -> s.vip.image = "keepalived latest", "spec.vip.image"),
            ok("resources within bounds", s -> s.database.resources = resources(
                    Map.of("cpu", "250m", "memory", "512Mi"), Map.of("cpu", "1", "memory", "512Mi"))),
            refused("limit below request", s -> s.api.resources = resources(
                    Map.of("memory", "512Mi"), Map.of("memory", "256Mi")), "spec.api.resources.limits.memory"),
            refused("negative request", s -> s.proxy.resources = resources(Map.of("cpu", "-1"), Map.of()),
                    "spec.proxy.resources.requests.cpu"),
            refused("zero limit", s -> s.frontend.resources = resources(Map.of(), Map.of("memory", "0")),
                    "spec.frontend.resources.limits.memory"),
            refused("a GPU", s -> s.database.resources = resources(Map.of("nvidia.com/gpu", "1"), Map.of()),
                    "spec.database.resources.requests.nvidia.com/gpu"),
            refused("a claim", s -> s.database.resources = new ResourceRequirementsBuilder()
                    .withClaims(new ResourceClaimBuilder().withName("x").build()).build(),
                    "spec.database.resources.claims"),
            ok("vip on with two addresses", s -> {
                s.vip.enabled = true; s.vip.frontendAddress = "10.0.0.1"; s.vip.proxyAddress = "10.0.0.2";
            }),
            refused("the same VIP twice", s -> {
                s.vip.enabled = true; s.vip.frontendAddress = "10.0.0.1"; s.vip.proxyAddress = "10.0.0.1";
            }, "spec.vip.proxyAddress"),
            refused("vip on without addresses", s -> s.vip.enabled = true, "spec.vip.frontendAddress"),
            refused("vip address 300.1.1.1", s -> s.vip.frontendAddress = "300.1.1.1", "spec.vip.frontendAddress"),
            refused("same router id", s -> s.vip.proxyRouterId = s.vip.frontendRouterId, "spec.vip.proxyRouterId"),
            refused("router id 256", s -> s.vip.frontendRouterId = 256, "spec.vip.frontendRouterId"),
            refused("interface with a space", s -> s.vip.networkInterface = "eth 0", "spec.vip.networkInterface"),
            refused("node port 80", s -> s.frontend.service.nodePort = 80, "spec.frontend.service.nodePort"),
            refused("node port with ClusterIP", s -> {
                s.frontend.service.type = FrontendServiceSpec.Type.ClusterIP; s.frontend.service.nodePort = 30080;
            }, "spec.frontend.service.nodePort"),
            ok("a tuning setting", s -> s.database.config = Map.of("max_connections", "200",
                    "innodb_buffer_pool_size", "256M", "skip-name-resolve", "ON", "log_bin", "mysql-bin")),
            refused("wsrep_cluster_address", s -> s.database.config = Map.of("wsrep_cluster_address", "gcomm://x"),
                    "spec.database.config"),
            refused("datadir", s -> s.database.config = Map.of("datadir", "/tmp"), "spec.database.config"),
            refused("wsrep-on spelled with dashes, upper case", s -> s.database.config = Map.of("WSREP-ON", "OFF"),
                    "spec.database.config"),
            refused("loose- prefix", s -> s.database.config = Map.of("loose-wsrep_sst_method", "mysqldump"),
                    "spec.database.config"),
            refused("skip- prefix", s -> s.database.config = Map.of("skip-wsrep-on", ""), "spec.database.config"),
            refused("abbreviation", s -> s.database.config = Map.of("datad", "/tmp"), "spec.database.config"),
            refused("init_file", s -> s.database.config = Map.of("init_file", "/tmp/evil.sql"),
                    "spec.database.config"),
            refused("a second line", s -> s.database.config = Map.of("max_connections", "1\n[client]"),
                    "spec.database.config"),
            refused("a key with a space", s -> s.database.config = Map.of("a b", "1"), "spec.database.config"),
            refused("no database section", s -> s.database = null, "spec.database"),
            refused("no monitoring section", s -> s.monitoring = null, "spec.monitoring"),
            ok("monitoring off", s -> s.monitoring.enabled = false),
            ok("monitoring labels for a Prometheus' selector", s -> s.monitoring.labels = Map.of(
                    "release", "kube-prometheus-stack", "example.com/team", "shop", "empty", "")),
            refused("a monitoring label key with a space", s -> s.monitoring.labels = Map.of("a b", "x"),
                    "spec.monitoring.labels"),
            refused("a monitoring label value of 64 characters", s -> s.monitoring.labels = Map.of("release",
                    "x".repeat(64)), "spec.monitoring.labels"),
            refused("a monitoring label value starting with -", s -> s.monitoring.labels = Map.of("release", "-x"),
                    "spec.monitoring.labels"),
            refused("the operator's own label", s -> s.monitoring.labels = Map.of("app.kubernetes.io/instance",
                    "other"), "spec.monitoring.labels"),
            refused("17 monitoring labels", s -> {
                s.monitoring.labels = new java.util.LinkedHashMap<>();
                for (int i = 0; i <= SpecLimits.MONITORING_LABELS_MAX; i++) {
                    s.monitoring.labels.put("l" + i, "x");
                }
            }, "spec.monitoring.labels"),
            refused("no engine", s -> s.database.engine = null, "spec.database.engine"),
            ok("restore from a MessageStackBackup", s -> {
                s.database.restore = new RestoreSpec(); s.database.restore.backup = "demo-before-migration";
            }),
            ok("restore from an S3 location", s -> {
                s.database.restore = new RestoreSpec(); s.database.restore.location = s3Location();
            }),
            ok("restore from a PVC location", s -> {
                s.database.restore = new RestoreSpec(); s.database.restore.location = new RestoreLocationSpec();
                s.database.restore.location.pvc = new PvcStorageSpec(); s.database.restore.location.pvc.claimName = "bk";
                s.database.restore.location.path = "shop/demo/backups/demo-20261206-0300";
            }),
            refused("restore with neither backup nor location", s -> {
                s.database.restore = new RestoreSpec();
            }, "spec.database.restore"),
            refused("restore with both backup and location", s -> {
                s.database.restore = new RestoreSpec(); s.database.restore.backup = "b";
                s.database.restore.location = s3Location();
            }, "spec.database.restore"),
            refused("restore to a point in time on Percona XtraDB Cluster (MariaDB Galera only)", s -> {
                s.database.restore = new RestoreSpec(); s.database.restore.backup = "b";
                s.database.restore.pointInTime = "2026-12-06T10:00:00Z";
            }, "spec.database.restore.pointInTime"),
            ok("restore to a point in time on MariaDB Galera", s -> {
                s.database.engine = Engine.MARIADB_GALERA;
                s.database.restore = new RestoreSpec(); s.database.restore.backup = "b";
                s.database.restore.pointInTime = "2026-12-06T10:00:00.5+01:00";
            }),
            refused("a point in time without a zone", s -> {
                s.database.engine = Engine.MARIADB_GALERA;
                s.database.restore = new RestoreSpec(); s.database.restore.backup = "b";
                s.database.restore.pointInTime = "2026-12-06T10:00:00";
            }, "spec.database.restore.pointInTime"),
            refused("a point in time that is no date", s -> {
                s.database.engine = Engine.MARIADB_GALERA;
                s.database.restore = new RestoreSpec(); s.database.restore.backup = "b";
                s.database.restore.pointInTime = "2026-02-30T10:00:00Z";
            }, "spec.database.restore.pointInTime"),
            refused("a point in time in SQL's spelling", s -> {
                s.database.engine = Engine.MARIADB_GALERA;
                s.database.restore = new RestoreSpec(); s.database.restore.backup = "b";
                s.database.restore.pointInTime = "2026-12-06 10:00:00";
            }, "spec.database.restore.pointInTime"),
            refused("restore from a backup name that is no object name", s -> {
                s.database.restore = new RestoreSpec(); s.database.restore.backup = "Demo_1";
            }, "spec.database.restore.backup"),
            refused("restore location with both s3 and pvc", s -> {
                s.database.restore = new RestoreSpec(); s.database.restore.location = s3Location();
                s.database.restore.location.pvc = new PvcStorageSpec(); s.database.restore.location.pvc.claimName = "bk";
            }, "spec.database.restore.location"),
            refused("restore location path outside the layout", s -> {
                s.database.restore = new RestoreSpec(); s.database.restore.location = s3Location();
                s.database.restore.location.path = "shop/demo/../other/backups/b";
            }, "spec.database.restore.location.path"),
            refused("restore location without a path", s -> {
                s.database.restore = new RestoreSpec(); s.database.restore.location = s3Location();
                s.database.restore.location.path = null;
            }, "spec.database.restore.location.path"),
            refused("restore location s3 with a bad bucket: the refusal names the restore's field", s -> {
                s.database.restore = new RestoreSpec(); s.database.restore.location = s3Location();
                s.database.restore.location.s3.bucket = "B";
            }, "spec.database.restore.location.s3.bucket"),
            ok("backup to S3, scheduled, with retention", s -> {
                s.backup = s3Backup(); s.backup.schedule = "0 3 * * *";
                s.backup.retention = new BackupRetentionSpec(); s.backup.retention.count = 7;
                s.backup.retention.maxAge = "30d";
            }),
            ok("backup to a PVC, on demand only", s -> {
                s.backup = new BackupSpec(); s.backup.storage = new BackupStorageSpec();
                s.backup.storage.pvc = new PvcStorageSpec(); s.backup.storage.pvc.claimName = "backups";
            }),
            ok("backup endpoint https with a port and a trailing slash, a prefix with doubled /", s -> {
                s.backup = s3Backup(); s.backup.storage.s3.endpoint = "https://s3.eu-west-1.amazonaws.com:443/";
                s.backup.storage.s3.prefix = "team-a//prod/"; s.backup.schedule = "@daily";
            }),
            refused("backup without storage", s -> { s.backup = new BackupSpec(); }, "spec.backup.storage"),
            refused("backup to both s3 and pvc", s -> {
                s.backup = s3Backup(); s.backup.storage.pvc = new PvcStorageSpec();
                s.backup.storage.pvc.claimName = "x";
            }, "spec.backup.storage"),
            refused("backup storage with neither", s -> {
                s.backup = new BackupSpec(); s.backup.storage = new BackupStorageSpec();
            }, "spec.backup.storage"),
            refused("endpoint without scheme", s -> {
                s.backup = s3Backup(); s.backup.storage.s3.endpoint = "s3.example.com";
            }, "spec.backup.storage.s3.endpoint"),
            refused("endpoint with a path", s -> {
                s.backup = s3Backup(); s.backup.storage.s3.endpoint = "http://s3.example.com/bucket";
            }, "spec.backup.storage.s3.endpoint"),
            refused("endpoint with credentials in it", s -> {
                s.backup = s3Backup(); s.backup.storage.s3.endpoint = "http://key:secret@s3.example.com";
            }, "spec.backup.storage.s3.endpoint"),
            refused("bucket in upper case", s -> {
                s.backup = s3Backup(); s.backup.storage.s3.bucket = "Backups";
            }, "spec.backup.storage.s3.bucket"),
            refused("bucket of 2 characters", s -> {
                s.backup = s3Backup(); s.backup.storage.s3.bucket = "ab";
            }, "spec.backup.storage.s3.bucket"),
            refused("prefix with ..", s -> {
                s.backup = s3Backup(); s.backup.storage.s3.prefix = "a/../b";
            }, "spec.backup.storage.s3.prefix"),
            refused("prefix with a space", s -> {
                s.backup = s3Backup(); s.backup.storage.s3.prefix = "a b";
            }, "spec.backup.storage.s3.prefix"),
            refused("region with an underscore", s -> {
                s.backup = s3Backup(); s.backup.storage.s3.region = "us_east_1";
            }, "spec.backup.storage.s3.region"),
            refused("no credentials Secret", s -> {
                s.backup = s3Backup(); s.backup.storage.s3.credentialsSecret = null;
            }, "spec.backup.storage.s3.credentialsSecret"),
            refused("credentials Secret name in upper case", s -> {
                s.backup = s3Backup(); s.backup.storage.s3.credentialsSecret = new SecretRef("S3Keys");
            }, "spec.backup.storage.s3.credentialsSecret.name"),
            refused("CA Secret without a name", s -> {
                s.backup = s3Backup(); s.backup.storage.s3.tls.caSecret = new SecretRef();
            }, "spec.backup.storage.s3.tls.caSecret.name"),
            refused("PVC name with a slash", s -> {
                s.backup = new BackupSpec(); s.backup.storage = new BackupStorageSpec();
                s.backup.storage.pvc = new PvcStorageSpec(); s.backup.storage.pvc.claimName = "a/b";
            }, "spec.backup.storage.pvc.claimName"),
            refused("schedule with 6 fields", s -> {
                s.backup = s3Backup(); s.backup.schedule = "0 0 3 * * *";
            }, "spec.backup.schedule"),
            refused("schedule that never fires", s -> {
                s.backup = s3Backup(); s.backup.schedule = "0 0 30 2 *";
            }, "spec.backup.schedule"),
            refused("schedule with minute 60", s -> {
                s.backup = s3Backup(); s.backup.schedule = "60 * * * *";
            }, "spec.backup.schedule"),
            refused("schedule with a name", s -> {
                s.backup = s3Backup(); s.backup.schedule = "0 3 * * MON";
            }, "spec.backup.schedule"),
            refused("schedule with a shell character", s -> {
                s.backup = s3Backup(); s.backup.schedule = "0 3 * * *;reboot";
            }, "spec.backup.schedule"),
            refused("retention count 0", s -> {
                s.backup = s3Backup(); s.backup.retention = new BackupRetentionSpec(); s.backup.retention.count = 0;
            }, "spec.backup.retention.count"),
            refused("retention count 1001", s -> {
                s.backup = s3Backup(); s.backup.retention = new BackupRetentionSpec();
                s.backup.retention.count = 1001;
            }, "spec.backup.retention.count"),
            refused("retention maxAge 3651d", s -> {
                s.backup = s3Backup(); s.backup.retention = new BackupRetentionSpec();
                s.backup.retention.maxAge = "3651d";
            }, "spec.backup.retention.maxAge"),
            refused("retention maxAge 1w", s -> {
                s.backup = s3Backup(); s.backup.retention = new BackupRetentionSpec();
                s.backup.retention.maxAge = "1w";
            }, "spec.backup.retention.maxAge"),
            refused("retention maxAge 0h", s -> {
                s.backup = s3Backup(); s.backup.retention = new BackupRetentionSpec();
                s.backup.retention.maxAge = "0h";
            }, "spec.backup.retention.maxAge"),
            refused("point-in-time recovery on Percona XtraDB Cluster (MariaDB Galera only)", s -> {
                s.backup = s3Backup(); s.backup.pointInTimeRecovery.enabled = true;
            }, "spec.backup.pointInTimeRecovery.enabled"),
            ok("point-in-time recovery on MariaDB Galera", s -> {
                s.database.engine = Engine.MARIADB_GALERA;
                s.backup = s3Backup(); s.backup.pointInTimeRecovery.enabled = true;
            }),
            new Row("a 48-character name", "a".repeat(48), s -> { }, null),
            new Row("a 49-character name", "a".repeat(49), s -> { }, "metadata.name"),
            new Row("a 60-character name", "a".repeat(60), s -> { }, "metadata.name"),
            new Row("a name with a dot", "my.shop", s -> { }, "metadata.name"),
            new Row("a name starting with a digit", "1shop", s -> { }, "metadata.name"));

    private static RestoreLocationSpec s3Location() {
        RestoreLocationSpec l = new RestoreLocationSpec();
        l.s3 = s3Backup().storage.s3;
        l.path = "shop/demo/backups/demo-before-migration";
        return l;
    }

    private static BackupSpec s3Backup() {
        BackupSpec b = new BackupSpec();
        b.storage = new BackupStorageSpec();
        b.storage.s3 = new S3StorageSpec();
        b.storage.s3.endpoint = "http://objectstore.messagestack-objectstore.svc:7070";
        b.storage.s3.bucket = "messagestack-backups";
        b.storage.s3.credentialsSecret = new SecretRef("backup-s3");
        return b;
    }

    @Test
    void pointInTimeRecoveryOwnsTheBinaryLogSettings() {
        for (String key : List.of("log_bin", "log-bin", "skip-log-bin", "loose-wsrep-gtid-mode", "LOG_SLAVE_UPDATES",
                "server-id", "wsrep_gtid_domain", "binlog_expire_logs_seconds")) {
            MessageStackSpec spec = new MessageStackSpec();
            spec.database.engine = Engine.MARIADB_GALERA;
            spec.backup = s3Backup();
            spec.backup.pointInTimeRecovery.enabled = true;
            spec.database.config.put(key, "0");
            List<SpecValidation.Refusal> refusals = SpecValidation.check("shop", spec);
            assertTrue(refusals.stream().anyMatch(r -> r.field().equals("spec.database.config")
                    && r.message().contains("'" + key + "'") && r.message().contains("pointInTimeRecovery")),
                    key + ": " + refusals);
            spec.backup.pointInTimeRecovery.enabled = false;
            assertTrue(SpecValidation.check("shop", spec).isEmpty(), key + " is the user's while PITR is off");
        }
        MessageStackSpec other = new MessageStackSpec();
        other.database.engine = Engine.MARIADB_GALERA;
        other.backup = s3Backup();
        other.backup.pointInTimeRecovery.enabled = true;
        other.database.config.put("max_binlog_size", "64M");
        assertTrue(SpecValidation.check("shop", other).isEmpty(), "other binary log options stay the user's");
    }

    @Test
    void theCrdRuleRefusesExactlyThePitrSettings() {
        assertEquals(List.copyOf(io.messagestack.operator.common.SpecLimits.PITR_CONFIG.keySet()),
                List.of(io.messagestack.operator.common.SpecLimits.PITR_CONFIG_KEYS_CEL.replaceAll("[\\[\\]' ]", "")
                        .split(",")));
    }

    @Test
    void aPointInTimeIsReadAsAnInstant() {
        assertEquals(java.time.Instant.parse("2026-12-06T09:00:00.500Z"),
                SpecValidation.pointInTime("2026-12-06T10:00:00.5+01:00").orElseThrow());
        assertTrue(SpecValidation.pointInTime("2026-12-06T10:00:00Z" + "0".repeat(40)).isEmpty());
    }

    @Test
    void maxAgeIsReadAsMinutesHoursOrDays() {
        assertEquals(java.time.Duration.ofMinutes(90), SpecValidation.maxAge("90m"));
        assertEquals(java.time.Duration.ofHours(720), SpecValidation.maxAge("720h"));
        assertEquals(java.time.Duration.ofDays(3650), SpecValidation.maxAge("3650d"));
    }

    @Test
    void eachRowIsAcceptedOrRefusedNamingItsField() {
        List<String> failures = new ArrayList<>();
        for (Row row : ROWS) {
            MessageStackSpec spec = new MessageStackSpec();
            row.change().accept(spec);
            List<SpecValidation.Refusal> refusals = SpecValidation.check(row.name(), spec);
            if (row.refusedField() == null && !refusals.isEmpty()) {
                failures.add(row.what() + ": expected accepted, refused " + refusals);
            } else if (row.refusedField() != null
                    && refusals.stream().noneMatch(r -> r.field().equals(row.refusedField()))) {
                failures.add(row.what() + ": expected a refusal of " + row.refusedField() + ", got " + refusals);
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    @Test
    void refusalsSayWhatIsAllowed() {
        MessageStackSpec spec = new MessageStackSpec();
        spec.database.replicas = 100001;
        spec.proxy.replicas = 0;
        String message = SpecValidation.describe(SpecValidation.check("shop", spec));
        assertEquals("spec refused, nothing was created or changed: spec.database.replicas: is 100001; must be odd,"
                + " from 3 to 9 (1 only with spec.database.allowUnsafeSingleNode: true); spec.proxy.replicas: is 0;"
                + " must be from 1 to 7", message);
    }

    @Test
    void noSpecAtAllIsTheDefaultStack() {
        assertTrue(SpecValidation.check("shop", null).isEmpty());
    }

    @Test
    void ownedOptionsAreFoundUnderEverySpellingMySqlAccepts() {
        assertEquals("wsrep_on", SpecValidation.ownedOption("loose-skip-wsrep-on"));
        assertEquals("bind_address", SpecValidation.ownedOption("Bind-Address"));
        assertEquals("wsrep_provider_options", SpecValidation.ownedOption("maximum-wsrep_provider_options"));
        assertEquals("wsrep_sst_auth", SpecValidation.ownedOption("wsrep_sst_a"));
        assertNull(SpecValidation.ownedOption("wsrep_slave_threads"));
        assertNull(SpecValidation.ownedOption("innodb_buffer_pool_size"));
        assertNull(SpecValidation.ownedOption("port_open_timeout"));
    }

    @Test
    void theOwnedKeyListIsTheSameInJavaAndInTheCrdRule() {
        assertEquals(35, SpecLimits.OWNED_CONFIG_KEYS.size());
        for (String key : SpecLimits.OWNED_CONFIG_KEYS) {
            assertTrue(key.matches("[a-z_]+"), key);
            assertTrue(SpecLimits.CONFIG_OWNED_KEYS_CEL.contains("'" + key + "'"), key);
        }
    }

    @Test
    void deleteWithStackCannotTurnTrueOnVolumesCreatedToBeKept() {
        MessageStackSpec spec = new MessageStackSpec();
        spec.database.storage.deleteWithStack = true;
        var retained = new StatefulSetBuilder().withNewSpec().withNewPersistentVolumeClaimRetentionPolicy()
                .withWhenDeleted("Retain").endPersistentVolumeClaimRetentionPolicy().endSpec().build();
        var deleted = new StatefulSetBuilder().withNewSpec().withNewPersistentVolumeClaimRetentionPolicy()
                .withWhenDeleted("Delete").endPersistentVolumeClaimRetentionPolicy().endSpec().build();
        assertEquals("spec.database.storage.deleteWithStack",
                SpecValidation.checkDeleteWithStackChange(spec, retained).orElseThrow().field());
        assertFalse(SpecValidation.checkDeleteWithStackChange(spec, deleted).isPresent(), "created with true");
        assertFalse(SpecValidation.checkDeleteWithStackChange(spec, null).isPresent(), "a new stack may say true");
        spec.database.storage.deleteWithStack = false;
        assertFalse(SpecValidation.checkDeleteWithStackChange(spec, retained).isPresent(), "true -> false is safe");
    }

    @Test
    void aStackChoosesTheKeepalivedImageOnlyWhereTheOperatorAllowsIt() {
        MessageStackSpec spec = new MessageStackSpec();
        assertFalse(SpecValidation.checkVipImage(spec, false).isPresent(), "no image set: the operator's default");
        spec.vip.image = "   ";
        assertFalse(SpecValidation.checkVipImage(spec, false).isPresent(), "blank is unset");
        spec.vip.image = "registry.example/evil:1";
        var refusal = SpecValidation.checkVipImage(spec, false).orElseThrow();
        assertEquals("spec.vip.image", refusal.field());
        assertTrue(refusal.message().contains("MESSAGESTACK_ALLOW_VIP_IMAGE_OVERRIDE=true"), refusal.message());
        assertFalse(SpecValidation.checkVipImage(spec, true).isPresent(), "allowed by the operator's install");
        assertTrue(new io.messagestack.operator.common.Images(Map.of("MESSAGESTACK_ALLOW_VIP_IMAGE_OVERRIDE", "true"))
                .vipImageOverrideAllowed());
        assertFalse(new io.messagestack.operator.common.Images(Map.of()).vipImageOverrideAllowed());
        assertFalse(new io.messagestack.operator.common.Images(Map.of("MESSAGESTACK_ALLOW_VIP_IMAGE_OVERRIDE", "yes"))
                .vipImageOverrideAllowed(), "only an explicit true");
    }
}
