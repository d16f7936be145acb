package io.messagestack.operator.crd;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The Galera flavour. Both run the same start script; it picks binaries and paths by what the image has. */
public enum Engine {
    @JsonProperty("percona-xtradb-cluster")
    PERCONA_XTRADB_CLUSTER("percona-xtradb-cluster"),
    @JsonProperty("mariadb-galera")
    MARIADB_GALERA("mariadb-galera");

    private final String value;

    Engine(String value) {
        this.value = value;
    }

    public String value() {
        return value;
    }
}
