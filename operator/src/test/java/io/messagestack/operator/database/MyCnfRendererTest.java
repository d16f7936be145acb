package io.messagestack.operator.database;

import io.messagestack.operator.crd.DatabaseSpec;
import io.messagestack.operator.crd.Engine;
import org.junit.jupiter.api.Test;

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
        assertTrue(cnf.contains("evs.suspect_timeout=PT5S"));
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
}
