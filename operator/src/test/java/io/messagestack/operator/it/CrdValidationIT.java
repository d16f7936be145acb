package io.messagestack.operator.it;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The committed CRD in a real kube-apiserver: defaults make a name-only resource complete, and each bad spec is
 * rejected by `kubectl apply` with a message that names the field.
 */
class CrdValidationIT {
    private static LocalApiServer apiServer;
    static KubernetesClient client;
    private static final String NS = "validation";

    @BeforeAll
    static void installCrd() throws Exception {
        apiServer = LocalApiServer.start();
        client = apiServer.client();
        KubeApi.installCrd(client);
        KubeApi.namespace(client, NS);
    }

    @org.junit.jupiter.api.AfterAll
    static void stopApiServer() {
        if (apiServer != null) {
            apiServer.close();
        }
    }

    private static String stack(String name, String spec) {
        return "apiVersion: messagestack.io/v1alpha1\nkind: MessageStack\nmetadata:\n  name: " + name + "\n"
                + (spec.isEmpty() ? "" : "spec:\n" + spec.indent(2));
    }

    private static String rejected(String name, String spec) {
        return KubeApi.rejection(() -> client.resource(stack(name, spec)).inNamespace(NS).create());
    }

    private static void assertNames(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), "the rejection should name " + part + ", was: " + message);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void aNameIsEnoughAndDefaultsFillTheSpec() {
        client.resource(stack("only-name", "")).inNamespace(NS).create();
        GenericKubernetesResource r = client.genericKubernetesResources("messagestack.io/v1alpha1", "MessageStack")
                .inNamespace(NS).withName("only-name").get();
        Map<String, Object> spec = (Map<String, Object>) r.getAdditionalProperties().get("spec");
        Map<String, Object> db = (Map<String, Object>) spec.get("database");
        assertEquals("percona-xtradb-cluster", db.get("engine"));
        assertEquals(3, db.get("replicas"));
        assertEquals("1Gi", ((Map<String, Object>) db.get("storage")).get("size"));
        assertEquals(false, ((Map<String, Object>) db.get("storage")).get("deleteWithStack"));
        assertEquals(2, ((Map<String, Object>) spec.get("proxy")).get("replicas"));
        assertEquals(2, ((Map<String, Object>) spec.get("api")).get("replicas"));
        Map<String, Object> frontend = (Map<String, Object>) spec.get("frontend");
        assertEquals("NodePort", ((Map<String, Object>) frontend.get("service")).get("type"));
        assertEquals(false, ((Map<String, Object>) spec.get("vip")).get("enabled"));
        assertEquals("preferred", ((Map<String, Object>) spec.get("placement")).get("antiAffinity"));
        assertEquals(true, ((Map<String, Object>) spec.get("placement")).get("podDisruptionBudget"));
        assertEquals(Map.of("enabled", true), spec.get("monitoring"), "monitoring on by default");
    }

    @Test
    void evenOrZeroDatabaseReplicasAreRejected() {
        assertNames(rejected("even", "database:\n  replicas: 2"), "spec.database.replicas");
        assertNames(rejected("four", "database:\n  replicas: 4"), "spec.database.replicas");
        assertNames(rejected("zero", "database:\n  replicas: 0"), "spec.database.replicas");
    }

    @Test
    void aSingleNodeNeedsTheUnsafeFlag() {
        assertNames(rejected("single", "database:\n  replicas: 1"), "allowUnsafeSingleNode");
        client.resource(stack("single-ok", "database:\n  replicas: 1\n  allowUnsafeSingleNode: true"))
                .inNamespace(NS).create();
    }

    @Test
    void negativeCountsAreRejected() {
        assertNames(rejected("neg-proxy", "proxy:\n  replicas: -1"), "spec.proxy.replicas");
        assertNames(rejected("neg-api", "api:\n  replicas: -2"), "spec.api.replicas");
        assertNames(rejected("neg-frontend", "frontend:\n  replicas: -1"), "spec.frontend.replicas");
    }

    @Test
    void malformedAddressesAndMissingVipAddressesAreRejected() {
        assertNames(rejected("bad-ip", "vip:\n  enabled: true\n  frontendAddress: 300.1.1.1\n"
                + "  proxyAddress: 10.0.0.2"), "spec.vip.frontendAddress");
        assertNames(rejected("bad-ip2", "vip:\n  enabled: true\n  frontendAddress: 10.0.0.1\n"
                + "  proxyAddress: 10.0.0"), "spec.vip.proxyAddress");
        assertNames(rejected("no-ip", "vip:\n  enabled: true"), "spec.vip.frontendAddress");
        assertNames(rejected("same-router", "vip:\n  frontendRouterId: 7\n  proxyRouterId: 7"),
                "spec.vip.proxyRouterId");
        assertNames(rejected("bad-port", "frontend:\n  service:\n    nodePort: 80"), "spec.frontend.service.nodePort");
    }

    @Test
    void configCannotInjectSectionsOrLines() {
        assertNames(rejected("inject", "database:\n  config:\n    \"max_connections\": \"1\\n[client]\""),
                "spec.database.config");
        assertNames(rejected("bad-key", "database:\n  config:\n    \"a b\": \"1\""), "spec.database.config");
    }

    @Test
    void monitoringLabelsAreBoundedKubernetesLabelsNotTheOperators() {
        client.resource(stack("labels-ok", "monitoring:\n  labels:\n    release: kube-prometheus-stack\n"
                + "    example.com/team: shop")).inNamespace(NS).create();
        assertNames(rejected("labels-key", "monitoring:\n  labels:\n    \"a b\": x"), "spec.monitoring.labels");
        assertNames(rejected("labels-value", "monitoring:\n  labels:\n    release: \"-x\""), "spec.monitoring.labels");
        assertNames(rejected("labels-long", "monitoring:\n  labels:\n    release: " + "x".repeat(64)),
                "spec.monitoring.labels");
        assertNames(rejected("labels-own", "monitoring:\n  labels:\n    app.kubernetes.io/instance: other"),
                "spec.monitoring.labels", "app.kubernetes.io/");
        StringBuilder many = new StringBuilder("monitoring:\n  labels:\n");
        for (int i = 0; i <= io.messagestack.operator.common.SpecLimits.MONITORING_LABELS_MAX; i++) {
            many.append("    l").append(i).append(": x\n");
        }
        assertNames(rejected("labels-many", many.toString()), "spec.monitoring.labels");
    }

    @Test
    void aVolumeCannotShrinkButCanGrow() {
        client.resource(stack("volume", "database:\n  storage:\n    size: 2Gi")).inNamespace(NS).create();
        String message = KubeApi.rejection(() -> client.resource(stack("volume", "database:\n  storage:\n"
                + "    size: 1Gi")).inNamespace(NS).fieldManager("test").forceConflicts().serverSideApply());
        assertNames(message, "spec.database.storage.size");
        assertTrue(message.contains("cannot shrink"), message);
        client.resource(stack("volume", "database:\n  storage:\n    size: 3Gi")).inNamespace(NS).fieldManager("test").forceConflicts().serverSideApply();
        assertNames(rejected("not-a-size", "database:\n  storage:\n    size: lots"), "spec.database.storage.size");
    }

    @Test
    void theLargestAllowedValuesAreAccepted() {
        // No false refusals at the edges of every bound (issue 12): the CEL rules must not refuse what is allowed.
        client.resource(stack("edges", """
                database:
                  engine: mariadb-galera
                  replicas: 9
                  image: "registry.example.com:5000/team/mariadb:10.11@sha256:%s"
                  storage:
                    size: 64Ti
                    storageClassName: fast.ssd-1
                  resources:
                    requests: {cpu: 250m, memory: 512Mi}
                    limits: {cpu: 2, memory: 512Mi, ephemeral-storage: 1Gi}
                  config:
                    max_connections: "200"
                    skip-name-resolve: "ON"
                    innodb_buffer_pool_size: 256M
                    wsrep_slave_threads: "4"
                    log_bin: mysql-bin
                proxy:
                  replicas: 7
                  image: localhost/messagestack/haproxy:dev
                api:
                  replicas: 12
                  resources:
                    limits: {memory: 1Gi}
                frontend:
                  replicas: 20
                  image: ""
                vip:
                  enabled: true
                  frontendAddress: 10.0.0.1
                  proxyAddress: 10.0.0.2
                """.formatted("a".repeat(64)))).inNamespace(NS).create();
        client.resource(stack("a".repeat(48), "")).inNamespace(NS).create();
    }

    @Test
    void boundsAreRefusedNamingTheFieldAndTheRange() {
        String flood = rejected("flood", "database:\n  replicas: 100001");
        assertNames(flood, "spec.database.replicas");
        assertTrue(flood.contains("9"), flood);
        assertNames(rejected("no-proxy", "proxy:\n  replicas: 0"), "spec.proxy.replicas");
        assertNames(rejected("many-api", "api:\n  replicas: 100000"), "spec.api.replicas");
        assertNames(rejected("small", "database:\n  storage:\n    size: 100Mi"), "spec.database.storage.size");
        assertNames(rejected("neg", "database:\n  storage:\n    size: -1Gi"), "spec.database.storage.size");
        assertNames(rejected("same-vip", "vip:\n  frontendAddress: 10.0.0.1\n  proxyAddress: 10.0.0.1"),
                "spec.vip.proxyAddress");
        assertNames(rejected("a".repeat(49), ""), "metadata.name");
        assertNames(rejected("image", "proxy:\n  image: \"haproxy:2.8 ;reboot\""), "spec.proxy.image");
        assertNames(rejected("zero-mem", "frontend:\n  resources:\n    requests: {memory: \"0\"}"),
                "spec.frontend.resources");
        assertNames(rejected("low-limit", "database:\n  resources:\n    requests: {cpu: \"2\"}\n"
                + "    limits: {cpu: 500m}"), "spec.database.resources.limits");
        for (String key : List.of("wsrep_on", "WSREP-NODE-NAME", "loose-skip-wsrep-on", "datad", "init_file",
                "maximum-wsrep_provider_options", "socket", "bind-address")) {
            assertNames(rejected("owned-" + key.toLowerCase().replaceAll("[^a-z0-9]", ""),
                    "database:\n  config:\n    \"" + key + "\": \"x\""), "spec.database.config");
        }
    }

    @Test
    void deleteWithStackCannotTurnTrueLaterButMayTurnFalse() {
        client.resource(stack("keep", "")).inNamespace(NS).create();
        String message = KubeApi.rejection(() -> client.resource(stack("keep", "database:\n  storage:\n"
                + "    deleteWithStack: true")).inNamespace(NS).fieldManager("test").forceConflicts().serverSideApply());
        assertNames(message, "spec.database.storage.deleteWithStack");
        client.resource(stack("drop", "database:\n  storage:\n    deleteWithStack: true")).inNamespace(NS).create();
        client.resource(stack("drop", "database:\n  storage:\n    deleteWithStack: false")).inNamespace(NS)
                .fieldManager("test").forceConflicts().serverSideApply();
    }

    @Test
    void theEngineCannotChangeOnAnExistingStack() {
        client.resource(stack("engine", "database:\n  engine: mariadb-galera")).inNamespace(NS).create();
        String message = KubeApi.rejection(() -> client.resource(stack("engine",
                "database:\n  engine: percona-xtradb-cluster")).inNamespace(NS).fieldManager("test").forceConflicts().serverSideApply());
        assertNames(message, "spec.database.engine");
        assertNames(rejected("engine-typo", "database:\n  engine: postgres"), "spec.database.engine");
    }

    private static final String S3 = "backup:\n  storage:\n    s3:\n"
            + "      endpoint: http://objectstore.messagestack-objectstore.svc:7070\n"
            + "      bucket: messagestack-backups\n      credentialsSecret:\n        name: backup-s3\n";

    @Test
    @SuppressWarnings("unchecked")
    void aBackupToS3IsAcceptedWithItsDefaults() {
        client.resource(stack("with-backup", S3 + "  schedule: '0 3 * * *'\n  retention:\n    count: 7\n"
                + "    maxAge: 30d\n")).inNamespace(NS).create();
        GenericKubernetesResource r = client.genericKubernetesResources("messagestack.io/v1alpha1", "MessageStack")
                .inNamespace(NS).withName("with-backup").get();
        Map<String, Object> backup = (Map<String, Object>) ((Map<String, Object>) r.getAdditionalProperties()
                .get("spec")).get("backup");
        Map<String, Object> s3 = (Map<String, Object>) ((Map<String, Object>) backup.get("storage")).get("s3");
        assertEquals("us-east-1", s3.get("region"));
        assertEquals(true, ((Map<String, Object>) s3.get("tls")).get("verify"));
        assertEquals(false, ((Map<String, Object>) backup.get("pointInTimeRecovery")).get("enabled"));
    }

    @Test
    void badBackupFieldsAreRejectedByName() {
        assertNames(rejected("b-endpoint", S3.replace("svc:7070", "svc:7070/path")), "spec.backup.storage.s3.endpoint");
        assertNames(rejected("b-bucket", S3.replace("messagestack-backups", "Backups_1")), "spec.backup.storage.s3.bucket");
        assertNames(rejected("b-prefix", S3 + "      prefix: a/../b\n"), "spec.backup.storage.s3.prefix");
        assertNames(rejected("b-secret", S3.replace("name: backup-s3", "name: Backup S3")),
                "spec.backup.storage.s3.credentialsSecret.name");
        assertNames(rejected("b-both", S3 + "    pvc:\n      claimName: backups\n"), "spec.backup.storage");
        assertNames(rejected("b-none", "backup:\n  storage: {}\n"), "spec.backup.storage");
        assertNames(rejected("b-cron", S3 + "  schedule: '0 0 3 * * *'\n"), "spec.backup.schedule");
        assertNames(rejected("b-count", S3 + "  retention:\n    count: 0\n"), "spec.backup.retention.count");
        assertNames(rejected("b-age", S3 + "  retention:\n    maxAge: 3651d\n"), "spec.backup.retention.maxAge");
        assertNames(rejected("b-age-unit", S3 + "  retention:\n    maxAge: 2w\n"), "spec.backup.retention.maxAge");
        assertNames(rejected("b-pitr", S3 + "  pointInTimeRecovery:\n    enabled: true\n"),
                "spec.backup.pointInTimeRecovery.enabled", "mariadb-galera only");
    }

    @Test
    void pointInTimeRecoveryIsAcceptedForMariaDbGaleraAndOwnsTheBinaryLogSettings() {
        String pitr = "database:\n  engine: mariadb-galera\n" + S3 + "  pointInTimeRecovery:\n    enabled: true\n";
        client.resource(stack("with-pitr", pitr)).inNamespace(NS).create();
        client.resource(stack("pitr-other-key", pitr.replace("engine: mariadb-galera\n",
                "engine: mariadb-galera\n  config:\n    max_binlog_size: 64M\n"))).inNamespace(NS).create();
        for (String key : List.of("log_bin", "skip-log-bin", "loose-wsrep-gtid-mode", "server-id", "LOG_SLAVE_UPDATES")) {
            assertNames(rejected("pitr-" + key.toLowerCase().replace('_', '-'), pitr.replace("engine: mariadb-galera\n",
                    "engine: mariadb-galera\n  config:\n    " + key + ": '0'\n")), "spec.database.config", "pointInTimeRecovery");
        }
        // Off, the same key is the user's.
        client.resource(stack("pitr-off-key", "database:\n  engine: mariadb-galera\n  config:\n    log_bin: mysql-bin\n"
                + S3)).inNamespace(NS).create();
    }

    private static final String RESTORE_S3 = "database:\n  engine: mariadb-galera\n  restore:\n    location:\n      s3:\n"
            + "        endpoint: http://objectstore.messagestack-objectstore.svc:7070\n"
            + "        bucket: messagestack-backups\n        credentialsSecret:\n          name: backup-s3\n"
            + "      path: shop/demo/backups/first\n";

    @Test
    void aRestoreIsSetOnlyAtCreationAndNeverChanges() {
        client.resource(stack("restored", RESTORE_S3)).inNamespace(NS).create();
        client.resource(stack("by-name", "database:\n  restore:\n    backup: first\n")).inNamespace(NS).create();
        assertNames(KubeApi.rejection(() -> client.resource(stack("restored", RESTORE_S3.replace("backups/first",
                "backups/second"))).inNamespace(NS).fieldManager("test").forceConflicts().serverSideApply()),
                "spec.database.restore");
        client.resource(stack("plain", "database:\n  engine: mariadb-galera\n")).inNamespace(NS).create();
        assertNames(KubeApi.rejection(() -> client.resource(stack("plain", RESTORE_S3)).inNamespace(NS)
                .fieldManager("test").forceConflicts().serverSideApply()), "spec.database.restore can be set only");
    }

    @Test
    void badRestoreFieldsAreRejectedByName() {
        assertNames(rejected("r-pitr", "database:\n  restore:\n    backup: first\n    pointInTime: '2026-12-06T10:00:00Z'\n"),
                "spec.database.restore.pointInTime", "mariadb-galera only");
        assertNames(rejected("r-pitr-sql", "database:\n  engine: mariadb-galera\n  restore:\n    backup: first\n"
                + "    pointInTime: '2026-12-06 10:00:00'\n"), "spec.database.restore.pointInTime");
        client.resource(stack("r-pitr-ok", "database:\n  engine: mariadb-galera\n  restore:\n    backup: first\n"
                + "    pointInTime: '2026-12-06T10:00:00+01:00'\n")).inNamespace(NS).create();
        assertNames(rejected("r-both", RESTORE_S3 + "    backup: first\n"), "spec.database.restore");
        assertNames(rejected("r-none", "database:\n  restore: {}\n"), "spec.database.restore");
        assertNames(rejected("r-path", RESTORE_S3.replace("shop/demo/backups/first", "shop/../backups/first")),
                "spec.database.restore.location.path");
        assertNames(rejected("r-loc-both", RESTORE_S3 + "      pvc:\n        claimName: backups\n"),
                "spec.database.restore.location");
        assertNames(rejected("r-bucket", RESTORE_S3.replace("messagestack-backups", "B")),
                "spec.database.restore.location.s3.bucket");
        assertNames(rejected("r-name", "database:\n  restore:\n    backup: First_1\n"), "spec.database.restore.backup");
    }

    private static String backupObject(String name, String stack) {
        return "apiVersion: messagestack.io/v1alpha1\nkind: MessageStackBackup\nmetadata:\n  name: " + name
                + "\nspec:\n  stack: " + stack + "\n";
    }

    @Test
    void aMessageStackBackupNamesAStackThatCannotChange() {
        client.resource(backupObject("nightly", "shop")).inNamespace(NS).create();
        assertNames(KubeApi.rejection(() -> client.resource(backupObject("nightly", "other")).inNamespace(NS)
                .update()), "spec.stack");
        assertNames(KubeApi.rejection(() -> client.resource(backupObject("bad", "Shop_1")).inNamespace(NS)
                .create()), "spec.stack");
        assertNames(KubeApi.rejection(() -> client.resource("apiVersion: messagestack.io/v1alpha1\n"
                + "kind: MessageStackBackup\nmetadata:\n  name: nostack\nspec: {}\n").inNamespace(NS).create()),
                "spec.stack");
    }
}
