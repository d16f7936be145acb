package io.messagestack.operator.reconcile;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.UUID;

/** Kubernetes Events on a MessageStack, for transitions a person should notice (kubectl describe ms). */
public class EventRecorder {
    // Any object with metadata: a MessageStack or a MessageStackBackup.
    private static final Logger LOG = Logger.getLogger(EventRecorder.class);
    private static final String COMPONENT = "messagestack-operator";

    public void normal(KubernetesClient client, io.fabric8.kubernetes.api.model.HasMetadata stack, String reason, String message) {
        record(client, stack, "Normal", reason, message);
    }

    public void warning(KubernetesClient client, io.fabric8.kubernetes.api.model.HasMetadata stack, String reason, String message) {
        record(client, stack, "Warning", reason, message);
    }

    private void record(KubernetesClient client, io.fabric8.kubernetes.api.model.HasMetadata stack, String type, String reason, String message) {
        String now = Instant.now().toString();
        try {
            client.v1().events().inNamespace(stack.getMetadata().getNamespace()).resource(new EventBuilder()
                    .withNewMetadata()
                    .withName(stack.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 8))
                    .withNamespace(stack.getMetadata().getNamespace()).endMetadata()
                    .withInvolvedObject(new ObjectReferenceBuilder()
                            .withApiVersion(stack.getApiVersion()).withKind(stack.getKind())
                            .withName(stack.getMetadata().getName())
                            .withNamespace(stack.getMetadata().getNamespace())
                            .withUid(stack.getMetadata().getUid()).build())
                    .withType(type).withReason(reason).withMessage(message)
                    .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                    .withNewSource().withComponent(COMPONENT).endSource()
                    .withReportingComponent(COMPONENT)
                    .build()).create();
            LOG.infof("event type=%s reason=%s stack=%s/%s message=\"%s\"", type, reason,
                    stack.getMetadata().getNamespace(), stack.getMetadata().getName(), message);
        } catch (RuntimeException e) {
            // An event is a courtesy; failing to write one must not fail the reconcile.
            LOG.warnf("event not recorded reason=%s error=\"%s\"", reason, e.getMessage());
        }
    }
}
