package io.messagestack.operator.security;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.messagestack.operator.common.Components;
import io.messagestack.operator.common.Labels;
import io.messagestack.operator.common.Names;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Secret {@code <name>-db-credentials} with keys root, monitor and app. Created once with generated passwords and
 * then kept: the database holds these passwords, so the operator must never replace an existing one.
 */
public final class DatabaseCredentials {
    public static final String ROOT = "root";
    public static final String MONITOR = "monitor";
    public static final String APP = "app";
    public static final String MONITOR_USER = "monitor";
    public static final String APP_USER = "messageapi";
    public static final String APP_DATABASE = "messages";
    private static final int LENGTH = 24;

    private DatabaseCredentials() {
    }

    /**
     * The Secret to create, or null when the existing one is complete. Keys that exist are kept as they are; a
     * missing key (someone edited the Secret) is generated.
     */
    public static Secret desired(String stack, String namespace, Secret existing, IntFunction<String> generator) {
        Map<String, String> data = new LinkedHashMap<>();
        Map<String, String> have = existing == null || existing.getData() == null ? Map.of() : existing.getData();
        boolean complete = true;
        for (String key : new String[] {ROOT, MONITOR, APP}) {
            String value = have.get(key);
            if (value == null || value.isEmpty()) {
                complete = false;
                value = java.util.Base64.getEncoder().encodeToString(
                        generator.apply(LENGTH).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            data.put(key, value);
        }
        if (existing != null && complete) {
            return null;
        }
        return new SecretBuilder()
                .withNewMetadata().withName(new Names(stack).dbCredentials()).withNamespace(namespace)
                .withLabels(Labels.of(stack, Components.CREDENTIALS)).endMetadata()
                .withType("Opaque")
                .withData(data)
                .build();
    }

    public static Secret desired(String stack, String namespace, Secret existing) {
        return desired(stack, namespace, existing, Passwords::generate);
    }
}
