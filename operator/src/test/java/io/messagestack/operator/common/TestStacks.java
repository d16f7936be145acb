package io.messagestack.operator.common;

import io.messagestack.operator.crd.MessageStackSpec;

import java.util.Map;

/** Stacks for unit tests: fixed images and namespace, so expectations are plain strings. */
public final class TestStacks {
    public static final Images IMAGES = new Images(Map.of());

    private TestStacks() {
    }

    public static Stack stack(MessageStackSpec spec) {
        return new Stack("shop", "prod", spec, IMAGES, Stack.DEFAULT_CLUSTER_DOMAIN);
    }

    public static Stack stack() {
        return stack(new MessageStackSpec());
    }
}
