package io.messagestack.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.ValidationRule;
import io.messagestack.operator.common.SpecLimits;

/** What the user asks for. Every field has a default, so a MessageStack with only a name is a full stack. */
public class MessageStackSpec {

    @JsonPropertyDescription("The Galera database cluster.")
    @Default("{}")
    @ValidationRule(value = "self.replicas == 1 ? self.allowUnsafeSingleNode : (self.replicas >= "
            + SpecLimits.DB_REPLICAS_MIN + " && self.replicas <= " + SpecLimits.DB_REPLICAS_MAX
            + " && self.replicas % 2 == 1)",
            fieldPath = ".replicas", reason = "FieldValueInvalid",
            message = "spec.database.replicas must be odd, from " + SpecLimits.DB_REPLICAS_MIN + " to "
                    + SpecLimits.DB_REPLICAS_MAX + ", so that a majority survives a node loss;"
                    + " 1 is allowed only with spec.database.allowUnsafeSingleNode: true")
    @ValidationRule(value = "has(self.restore) == has(oldSelf.restore)", reason = "FieldValueForbidden",
            message = "spec.database.restore can be set only when the stack is created, and not removed")
    @ValidationRule(value = "!has(self.restore) || !has(self.restore.pointInTime) || self.engine == 'mariadb-galera'",
            fieldPath = ".restore.pointInTime", reason = "FieldValueForbidden",
            message = "spec.database.restore.pointInTime: point-in-time recovery is built and tested for"
                    + " spec.database.engine mariadb-galera only")
    public DatabaseSpec database = new DatabaseSpec();

    @JsonPropertyDescription("HAProxy in front of the database: one writer, the other nodes as backups.")
    @Default("{}")
    public ProxySpec proxy = new ProxySpec();

    @JsonPropertyDescription("The message-api REST service.")
    @Default("{}")
    public ApiSpec api = new ApiSpec();

    @JsonPropertyDescription("nginx serving the page and proxying /api to message-api.")
    @Default("{}")
    public FrontendSpec frontend = new FrontendSpec();

    @JsonPropertyDescription("keepalived virtual IPs for the frontend and the proxy (off by default).")
    @Default("{}")
    @ValidationRule(value = "!self.enabled || (has(self.frontendAddress) && has(self.proxyAddress))",
            reason = "FieldValueRequired",
            message = "spec.vip.frontendAddress and spec.vip.proxyAddress are required when spec.vip.enabled is true")
    @ValidationRule(value = "!has(self.frontendAddress) || !has(self.proxyAddress)"
            + " || self.frontendAddress != self.proxyAddress", fieldPath = ".proxyAddress",
            message = "spec.vip.proxyAddress must differ from spec.vip.frontendAddress (one address, one keepalived"
                    + " instance)")
    @ValidationRule(value = "self.frontendRouterId != self.proxyRouterId", fieldPath = ".proxyRouterId",
            message = "spec.vip.proxyRouterId must differ from spec.vip.frontendRouterId")
    public VipSpec vip = new VipSpec();

    @JsonPropertyDescription("How pods are spread over nodes and protected from voluntary disruption.")
    @Default("{}")
    public PlacementSpec placement = new PlacementSpec();

    @JsonPropertyDescription("Metrics discovery and alert rules (docs/observability.md): on by default.")
    @Default("{}")
    public MonitoringSpec monitoring = new MonitoringSpec();

    @JsonPropertyDescription("Physical backups of the database (docs/backup.md). Unset: no scheduled backups, and a"
            + " MessageStackBackup for this stack fails with a reason.")
    public BackupSpec backup;

    /** spec.backup.pointInTimeRecovery.enabled is true. */
    public boolean pointInTimeRecovery() {
        return backup != null && backup.pointInTimeRecovery != null && backup.pointInTimeRecovery.enabled;
    }
}
