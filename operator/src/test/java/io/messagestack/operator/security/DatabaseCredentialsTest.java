package io.messagestack.operator.security;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatabaseCredentialsTest {
    private static String decode(String b64) {
        return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
    }

    @Test
    void newSecretHasThreeDifferentRandomPasswords() {
        Secret s = DatabaseCredentials.desired("shop", "prod", null);
        assertEquals("shop-db-credentials", s.getMetadata().getName());
        String root = decode(s.getData().get("root"));
        String monitor = decode(s.getData().get("monitor"));
        String app = decode(s.getData().get("app"));
        assertEquals(24, root.length());
        assertTrue(root.matches("[A-Za-z0-9]+"));
        assertNotEquals(root, monitor);
        assertNotEquals(monitor, app);
        assertNotEquals(root, decode(DatabaseCredentials.desired("shop", "prod", null).getData().get("root")));
    }

    @Test
    void anExistingCompleteSecretIsNeverReplaced() {
        Secret existing = new SecretBuilder().withNewMetadata().withName("shop-db-credentials").endMetadata()
                .withData(Map.of("root", "YQ==", "monitor", "Yg==", "app", "Yw==")).build();
        assertNull(DatabaseCredentials.desired("shop", "prod", existing));
    }

    @Test
    void aMissingKeyIsAddedAndTheOthersKept() {
        Secret existing = new SecretBuilder().withNewMetadata().withName("shop-db-credentials").endMetadata()
                .withData(Map.of("root", "YQ==", "monitor", "Yg==")).build();
        Secret s = DatabaseCredentials.desired("shop", "prod", existing, n -> "generated");
        assertEquals("YQ==", s.getData().get("root"));
        assertEquals("Yg==", s.getData().get("monitor"));
        assertEquals("generated", decode(s.getData().get("app")));
    }
}
