package io.messagestack.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.ResourceRequirements;

import java.util.LinkedHashMap;
import java.util.Map;

public class DatabaseSpec {

    @JsonPropertyDescription("percona-xtradb-cluster (default) or mariadb-galera. Cannot change once the stack exists.")
    @Default("percona-xtradb-cluster")
    @ValidationRule(value = "self == oldSelf", reason = "FieldValueForbidden",
            message = "spec.database.engine cannot change on an existing stack (the data files are not compatible);"
                    + " create a new MessageStack instead")
    public Engine engine = Engine.PERCONA_XTRADB_CLUSTER;

    @JsonPropertyDescription("Database image; empty means the engine's default image.")
    public String image;

    @JsonPropertyDescription("Number of Galera nodes: odd and at least 3.")
    @Default("3")
    @Min(1)
    public int replicas = 3;

    @JsonPropertyDescription("Allow a single database node (no high availability). For tests only.")
    @Default("false")
    public boolean allowUnsafeSingleNode = false;

    @JsonPropertyDescription("The data volume of each database node.")
    @Default("{}")
    public StorageSpec storage = new StorageSpec();

    @JsonPropertyDescription("CPU and memory for each database container.")
    public ResourceRequirements resources;

    @JsonPropertyDescription("Strict (default): every commit is flushed to disk on each node before it is"
            + " acknowledged (innodb_flush_log_at_trx_commit=1, sync_binlog=1). Relaxed: commits are written at"
            + " commit but flushed to disk about once a second (innodb_flush_log_at_trx_commit=2, sync_binlog=0):"
            + " faster, but a power loss of every node at once (a rack, a zone, a single-host lab) loses up to about"
            + " one second of acknowledged commits on every node, so they are gone from the cluster. A crash of the"
            + " database process or of fewer than all nodes loses nothing in either mode. spec.database.config"
            + " overrides both settings.")
    @Default("Strict")
    public Durability durability = Durability.STRICT;

    @JsonPropertyDescription("Extra my.cnf settings for the [mysqld] section, e.g. max_connections: \"200\".")
    @ValidationRule(value = "self.all(k, k.matches('^[a-zA-Z][a-zA-Z0-9_.-]*$'))",
            message = "spec.database.config keys must be my.cnf option names (letters, digits, _ . -)")
    @ValidationRule(value = "self.all(k, !self[k].contains('\\n') && !self[k].contains('\\r'))",
            message = "spec.database.config values must be a single line")
    @Size(max = 32)
    public Map<String, @Size(max = 256) String> config = new LinkedHashMap<>();
}
