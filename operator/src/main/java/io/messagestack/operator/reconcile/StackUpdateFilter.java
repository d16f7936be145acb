package io.messagestack.operator.reconcile;

import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import io.messagestack.operator.crd.MessageStack;
import io.messagestack.operator.database.FullCrashRecovery;
import io.messagestack.operator.proxy.WriterSwitchover;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Which changes of a MessageStack start a reconcile: a new generation (the spec), deletion and finalizers, as the
 * SDK's generation-aware default does, and also the annotations that ask the operator for an action
 * (switchover-to, force-bootstrap), which change no generation; without this a request would wait for the next
 * periodic reconcile (up to a minute). The operator's own status patches start none. Pure (StackUpdateFilterTest).
 */
public class StackUpdateFilter implements OnUpdateFilter<MessageStack> {
    static final List<String> ACTION_ANNOTATIONS = List.of(WriterSwitchover.ANNOTATION,
            FullCrashRecovery.FORCE_ANNOTATION);

    @Override
    public boolean accept(MessageStack newResource, MessageStack oldResource) {
        var now = newResource.getMetadata();
        var before = oldResource.getMetadata();
        if (!Objects.equals(now.getGeneration(), before.getGeneration())
                || !Objects.equals(now.getDeletionTimestamp(), before.getDeletionTimestamp())
                || !Objects.equals(now.getFinalizers(), before.getFinalizers())) {
            return true;
        }
        for (String key : ACTION_ANNOTATIONS) {
            if (!Objects.equals(value(now.getAnnotations(), key), value(before.getAnnotations(), key))) {
                return true;
            }
        }
        return false;
    }

    private static String value(Map<String, String> annotations, String key) {
        return annotations == null ? null : annotations.get(key);
    }
}
