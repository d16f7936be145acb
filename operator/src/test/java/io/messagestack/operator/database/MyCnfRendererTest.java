package io.messagestack.operator.database;

import io.messagestack.operator.common.SpecLimits;
import io.messagestack.operator.crd.DatabaseSpec;
import io.messagestack.operator.crd.Engine;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MyCnfRendererTest {
    @Test
    void galeraEssentialsAndClusterName() {
        String cnf = MyCnfRenderer.render("shop", new DatabaseSpec());
        assertTrue(cnf.startsWith("# Rendered"));
        assertTrue(cnf.contains("[mysqld]\n"));
        assertTrue(cnf.contains("wsrep_cluster_name = shop\n"));
        assertTrue(cnf.contains("binlog_format = ROW\n"));
        assertTrue(cnf.contains("innodb_autoinc_lock_mode = 2\n"));
    }

    @Test
    void galeraFailureDetectionKeepsItsSafeDefaults() {
        String cnf = MyCnfRenderer.render("shop", new DatabaseSpec());
        String line = cnf.lines().filter(l -> l.startsWith("wsrep_provider_options = ")).findFirst().orElseThrow();
        assertTrue(line.startsWith("wsrep_provider_options = \"") && line.endsWith("\""), line);
        java.util.Map<String, String> options = new java.util.HashMap<>();
        for (String option : line.substring(line.indexOf('"') + 1, line.length() - 1).split(";")) {
            String[] kv = option.split("=", 2);
            options.put(kv[0], kv[1]);
        }
        java.time.Duration suspect = java.time.Duration.parse(options.get("evs.suspect_timeout"));
        java.time.Duration inactive = java.time.Duration.parse(options.get("evs.inactive_timeout"));
        // Galera's defaults: shorter ones broke the view change of a 5 -> 3 scale-down on the kind lab.
        assertEquals(java.time.Duration.ofSeconds(5), suspect);
        assertEquals(java.time.Duration.ofSeconds(15), inactive);
        // Membership changes advance on the retransmission timers: short ones shorten the write stall of a join or a
        // leave. Galera refuses a keepalive of a third of the suspect timeout or more, and anything under 0.1 s.
        java.time.Duration keepalive = java.time.Duration.parse(options.get("evs.keepalive_period"));
        java.time.Duration joinRetrans = java.time.Duration.parse(options.get("evs.join_retrans_period"));
        assertTrue(keepalive.compareTo(java.time.Duration.ofMillis(100)) >= 0 && keepalive.multipliedBy(3).compareTo(suspect) < 0);
        assertTrue(joinRetrans.compareTo(java.time.Duration.ofMillis(100)) >= 0 && joinRetrans.compareTo(java.time.Duration.ofSeconds(1)) < 0);
        assertEquals("256M", options.get("gcache.size"));
    }

    @Test
    void mariadbGetsTheAgentsExtraPortWhichTheUserCannotMove() {
        DatabaseSpec maria = new DatabaseSpec();
        maria.engine = Engine.MARIADB_GALERA;
        maria.config.put("extra-port", "4000");
        maria.config.put("extra_max_connections", "8");
        String cnf = MyCnfRenderer.render("s", maria);
        // MariaDB reads the last value of an option: the product's port comes after the user's spelling of it.
        assertTrue(cnf.indexOf("extra-port = 4000\n") < cnf.indexOf("extra_port = 3307\n"), cnf);
        assertTrue(cnf.contains("extra_max_connections = 8\n"), "the user may give the extra port more connections");
        assertFalse(cnf.contains("extra_max_connections = 4"));
        String plain = MyCnfRenderer.render("s", withEngine(Engine.MARIADB_GALERA));
        assertTrue(plain.contains("extra_port = 3307\n") && plain.contains("extra_max_connections = 4\n"), plain);
        // Percona XtraDB Cluster (MySQL 8) has no extra_port and would not start with it.
        assertFalse(MyCnfRenderer.render("s", withEngine(Engine.PERCONA_XTRADB_CLUSTER)).contains("extra_"));
    }

    private static DatabaseSpec withEngine(Engine engine) {
        DatabaseSpec spec = new DatabaseSpec();
        spec.engine = engine;
        return spec;
    }

    @Test
    void userCanOverrideTheProviderOptions() {
        DatabaseSpec spec = new DatabaseSpec();
        spec.config.put("wsrep_provider_options", "\"evs.suspect_timeout=PT5S\"");
        String cnf = MyCnfRenderer.render("s", spec);
        assertTrue(cnf.contains("wsrep_provider_options = \"evs.suspect_timeout=PT5S\"\n"));
        assertFalse(cnf.contains("PT15S"));
    }

    @Test
    void perconaTurnsOffClusterTrafficEncryptionMariadbHasNoPxcOptions() {
        DatabaseSpec pxc = new DatabaseSpec();
        pxc.engine = Engine.PERCONA_XTRADB_CLUSTER;
        assertTrue(MyCnfRenderer.render("s", pxc).contains("pxc_encrypt_cluster_traffic = OFF\n"));
        DatabaseSpec maria = new DatabaseSpec();
        maria.engine = Engine.MARIADB_GALERA;
        assertFalse(MyCnfRenderer.render("s", maria).contains("pxc_"));
    }

    @Test
    void userSettingsAreAddedAndOverrideDefaults() {
        DatabaseSpec spec = new DatabaseSpec();
        spec.config.put("max_connections", "50");
        spec.config.put("innodb_buffer_pool_size", "256M");
        String cnf = MyCnfRenderer.render("s", spec);
        assertTrue(cnf.contains("max_connections = 50\n"));
        assertFalse(cnf.contains("max_connections = 300"));
        assertTrue(cnf.contains("innodb_buffer_pool_size = 256M\n"));
    }

    @Test
    void pointInTimeRecoveryRendersOneGtidHistoryOnEveryNode() {
        String cnf = MyCnfRenderer.render("s", mariadb(), true);
        for (String line : List.of("log_bin = mysql-bin", "log_slave_updates = ON", "wsrep_gtid_mode = ON",
                "wsrep_gtid_domain_id = 1", "server_id = 1", "binlog_expire_logs_seconds = 172800")) {
            assertTrue(cnf.contains("\n" + line + "\n"), line + " in\n" + cnf);
        }
        assertTrue(cnf.contains("sync_binlog = 1\n"), "strict durability syncs the binary log at each commit");
    }

    @Test
    void withoutPointInTimeRecoveryNoBinaryLogSettings() {
        String cnf = MyCnfRenderer.render("s", new DatabaseSpec(), false);
        assertEquals(cnf, MyCnfRenderer.render("s", new DatabaseSpec()));
        for (String key : SpecLimits.PITR_CONFIG.keySet()) {
            assertFalse(cnf.contains("\n" + key + " ="), key + " in\n" + cnf);
        }
    }

    @Test
    void perconaGetsNoMariadbGtidSettings() {
        DatabaseSpec pxc = new DatabaseSpec();
        pxc.engine = Engine.PERCONA_XTRADB_CLUSTER;
        assertEquals(MyCnfRenderer.render("s", pxc), MyCnfRenderer.render("s", pxc, true),
                "wsrep_gtid_mode is MariaDB's; PXC would not start with it");
    }

    private static DatabaseSpec mariadb() {
        DatabaseSpec spec = new DatabaseSpec();
        spec.engine = Engine.MARIADB_GALERA;
        return spec;
    }

    @Test
    void pointInTimeRecoverySettingsWinOverTheUsersConfig() {
        DatabaseSpec spec = new DatabaseSpec();
        spec.config.put("log_bin", "OFF");
        spec.config.put("wsrep_gtid_mode", "OFF");
        spec.config.put("max_connections", "50");
        spec.engine = Engine.MARIADB_GALERA;
        String cnf = MyCnfRenderer.render("s", spec, true);
        assertTrue(cnf.contains("log_bin = mysql-bin\n"), cnf);
        assertTrue(cnf.contains("wsrep_gtid_mode = ON\n"), cnf);
        assertFalse(cnf.contains("log_bin = OFF") || cnf.contains("wsrep_gtid_mode = OFF"), cnf);
        assertTrue(cnf.contains("max_connections = 50\n"), "other user settings stay");
        // one line per key: my.cnf would take the last of two
        assertEquals(1, cnf.lines().filter(l -> l.startsWith("log_bin ")).count(), cnf);
    }

    @Test
    void durableByDefaultRelaxedOnlyWhenAsked() {
        String strict = MyCnfRenderer.render("s", new DatabaseSpec());
        assertTrue(strict.contains("innodb_flush_log_at_trx_commit = 1\n"), strict);
        assertTrue(strict.contains("sync_binlog = 1\n"), strict);
        DatabaseSpec relaxed = new DatabaseSpec();
        relaxed.durability = io.messagestack.operator.crd.Durability.RELAXED;
        String cnf = MyCnfRenderer.render("s", relaxed);
        assertTrue(cnf.contains("innodb_flush_log_at_trx_commit = 2\n"), cnf);
        assertTrue(cnf.contains("sync_binlog = 0\n"), cnf);
        assertFalse(cnf.contains("innodb_flush_log_at_trx_commit = 1"), cnf);
    }

    @Test
    void theDurabilityFieldReadsAsStrictAndRelaxed() throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        assertEquals(io.messagestack.operator.crd.Durability.RELAXED,
                json.readValue("{\"durability\":\"Relaxed\"}", DatabaseSpec.class).durability);
        assertEquals(io.messagestack.operator.crd.Durability.STRICT,
                json.readValue("{}", DatabaseSpec.class).durability);
        assertTrue(json.writeValueAsString(new DatabaseSpec()).contains("\"durability\":\"Strict\""));
    }
}
