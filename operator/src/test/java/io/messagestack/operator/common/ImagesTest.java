package io.messagestack.operator.common;

import io.messagestack.operator.crd.Engine;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ImagesTest {
    @Test
    void publicDefaultsWhenNothingIsSet() {
        Images images = new Images(Map.of());
        assertEquals("percona/percona-xtradb-cluster:8.0", images.database(Engine.PERCONA_XTRADB_CLUSTER, null));
        assertEquals("mariadb:10.11", images.database(Engine.MARIADB_GALERA, ""));
        assertEquals("haproxy:2.8", images.resolve(null, Images.HAPROXY));
    }

    @Test
    void environmentReplacesTheDefaultAndTheSpecWinsOverBoth() {
        Images images = new Images(Map.of("MESSAGESTACK_IMAGE_MARIADB_GALERA", "messagestack/mariadb-galera:10.11",
                "MESSAGESTACK_IMAGE_NGINX", " messagestack/nginx:dev "));
        assertEquals("messagestack/mariadb-galera:10.11", images.database(Engine.MARIADB_GALERA, null));
        assertEquals("messagestack/nginx:dev", images.resolve(null, Images.NGINX));
        assertEquals("my/nginx:1", images.resolve("my/nginx:1", Images.NGINX));
    }
}
