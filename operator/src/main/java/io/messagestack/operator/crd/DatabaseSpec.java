package io.messagestack.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.messagestack.operator.common.SpecLimits;

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
    @Pattern(SpecLimits.IMAGE_PATTERN)
    @Size(max = SpecLimits.IMAGE_MAX_LENGTH)
    public String image;

    @JsonPropertyDescription("Number of Galera nodes: odd, " + SpecLimits.DB_REPLICAS_MIN + " to "
            + SpecLimits.DB_REPLICAS_MAX + " (1 only with allowUnsafeSingleNode).")
    @Default("3")
    @Min(1)
    @Max(SpecLimits.DB_REPLICAS_MAX)
    public int replicas = 3;

    @JsonPropertyDescription("Allow a single database node (no high availability). For tests only.")
    @Default("false")
    public boolean allowUnsafeSingleNode = false;

    @JsonPropertyDescription("The data volume of each database node.")
    @Default("{}")
    public StorageSpec storage = new StorageSpec();

    @JsonPropertyDescription("CPU and memory for each database container.")
    @SchemaFrom(type = ResourcesSchema.class)
    @ValidationRule(value = SpecLimits.RESOURCES_RULE_POSITIVE_CEL,
            message = "spec.database.resources: every cpu, memory and ephemeral-storage amount must be a positive"
                    + " quantity such as 100m or 128Mi")
    @ValidationRule(value = SpecLimits.RESOURCES_RULE_LIMITS_CEL,
            message = "spec.database.resources.limits must not be below spec.database.resources.requests")
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

    @JsonPropertyDescription("Create this NEW stack from a backup: its first node is filled from the backup, the"
            + " others join it by state transfer. Set only when the stack is created; never over existing data.")
    @ValidationRule(value = "has(self.backup) != has(self.location)", reason = "FieldValueInvalid",
            message = "spec.database.restore: set exactly one of backup and location")
    @ValidationRule(value = "self == oldSelf", reason = "FieldValueForbidden",
            message = "spec.database.restore cannot change once the stack exists (a restore fills only a new,"
                    + " empty stack); create another MessageStack instead")
    public RestoreSpec restore;

    @JsonPropertyDescription("Extra my.cnf settings for the [mysqld] section, e.g. max_connections: \"200\".")
    @ValidationRule(value = "self.all(k, k.size() <= " + SpecLimits.CONFIG_MAX_KEY_LENGTH
            + " && k.matches('" + SpecLimits.CONFIG_KEY_PATTERN + "'))",
            message = "spec.database.config keys must be my.cnf option names (letters, digits, _ . -), at most "
                    + SpecLimits.CONFIG_MAX_KEY_LENGTH + " characters")
    @ValidationRule(value = SpecLimits.CONFIG_OWNED_KEYS_CEL,
            message = "spec.database.config must not set options the data plane owns (also not with a loose-,"
                    + " skip-, enable-, disable- or maximum- prefix, nor abbreviated): "
                    + SpecLimits.OWNED_CONFIG_KEYS_CEL)
    @ValidationRule(value = "self.all(k, !self[k].contains('\\n') && !self[k].contains('\\r'))",
            message = "spec.database.config values must be a single line")
    @Size(max = SpecLimits.CONFIG_MAX_KEYS)
    public Map<String, @Size(max = SpecLimits.CONFIG_MAX_VALUE_LENGTH) String> config = new LinkedHashMap<>();
}
