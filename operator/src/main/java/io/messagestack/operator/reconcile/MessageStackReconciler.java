package io.messagestack.operator.reconcile;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.messagestack.operator.crd.MessageStack;

@ControllerConfiguration(name = "messagestack")
public class MessageStackReconciler implements Reconciler<MessageStack> {
    @Override
    public UpdateControl<MessageStack> reconcile(MessageStack resource, Context<MessageStack> context) {
        return UpdateControl.noUpdate();
    }
}
