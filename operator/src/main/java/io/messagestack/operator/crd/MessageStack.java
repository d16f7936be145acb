package io.messagestack.operator.crd;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.messagestack.operator.common.SpecLimits;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** One MessageStack is one highly-available web stack: Galera, HAProxy, message-api, nginx, VIPs. */
@Group(MessageStack.GROUP)
@Version(MessageStack.VERSION)
@ShortNames("ms")
@ValidationRule(value = "!has(self.spec) || !has(self.spec.backup) || !self.spec.backup.pointInTimeRecovery.enabled"
        + " || self.spec.database.engine == 'mariadb-galera'",
        fieldPath = ".spec.backup.pointInTimeRecovery.enabled", reason = "FieldValueForbidden",
        message = "spec.backup.pointInTimeRecovery.enabled: point-in-time recovery is built and tested for"
                + " spec.database.engine mariadb-galera only (Percona XtraDB Cluster has no wsrep_gtid_mode)")
@ValidationRule(value = "!has(self.spec) || !has(self.spec.backup) || !self.spec.backup.pointInTimeRecovery.enabled"
        + " || !has(self.spec.database.config) || " + SpecLimits.CONFIG_PITR_KEYS_CEL,
        fieldPath = ".spec.database.config", reason = "FieldValueForbidden",
        message = "spec.database.config must not set the binary log options spec.backup.pointInTimeRecovery.enabled"
                + " owns (also not with a loose-, skip-, enable-, disable- or maximum- prefix, nor abbreviated): "
                + SpecLimits.PITR_CONFIG_KEYS_CEL)
@ValidationRule(value = "self.metadata.name.size() <= " + SpecLimits.NAME_MAX_LENGTH
        + " && self.metadata.name.matches('" + SpecLimits.NAME_PATTERN + "')",
        reason = "FieldValueInvalid",
        message = "metadata.name must be at most " + SpecLimits.NAME_MAX_LENGTH + " characters of a-z, 0-9 and '-',"
                + " starting with a letter and ending with a letter or digit, so that every derived name fits"
                + " (the Service <name>-frontend-peers has a 63-character limit)")
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Database", jsonPath = ".status.databaseSummary",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "URL", jsonPath = ".status.url", type = AdditionalPrinterColumn.Type.STRING,
        priority = 1)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp",
        type = AdditionalPrinterColumn.Type.DATE)
public class MessageStack extends CustomResource<MessageStackSpec, MessageStackStatus> implements Namespaced {
    public static final String GROUP = "messagestack.io";
    public static final String VERSION = "v1alpha1";

    /** Defaulted to {} by the API server, so that its nested defaults apply to a resource with only a name. */
    @Override
    @io.fabric8.generator.annotation.Default("{}")
    public MessageStackSpec getSpec() {
        return super.getSpec();
    }

    @Override
    protected MessageStackSpec initSpec() {
        // A resource with only a name has no spec at all: treat it as all defaults.
        return new MessageStackSpec();
    }

    @Override
    protected MessageStackStatus initStatus() {
        return new MessageStackStatus();
    }
}
