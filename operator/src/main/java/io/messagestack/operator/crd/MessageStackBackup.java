package io.messagestack.operator.crd;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * One physical backup of a MessageStack's database, on demand (a person creates it) or scheduled (the operator
 * creates it from spec.backup.schedule). Deleting this object never deletes the backup's data in the store:
 * only retention does, and only when spec.backup.retention is set.
 */
@Group(MessageStack.GROUP)
@Version(MessageStack.VERSION)
@ShortNames("msbackup")
@AdditionalPrinterColumn(name = "Stack", jsonPath = ".spec.stack", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Size", jsonPath = ".status.size", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Seqno", jsonPath = ".status.position.galeraSeqno",
        type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Node", jsonPath = ".status.node", type = AdditionalPrinterColumn.Type.STRING,
        priority = 1)
@AdditionalPrinterColumn(name = "Reason", jsonPath = ".status.reason", type = AdditionalPrinterColumn.Type.STRING,
        priority = 1)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp",
        type = AdditionalPrinterColumn.Type.DATE)
public class MessageStackBackup extends CustomResource<MessageStackBackupSpec, MessageStackBackupStatus>
        implements Namespaced {

    @Override
    protected MessageStackBackupStatus initStatus() {
        return new MessageStackBackupStatus();
    }
}
