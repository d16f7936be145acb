package io.messagestack.operator.security;

import io.fabric8.kubernetes.api.model.Secret;
import io.messagestack.operator.common.Labels;
import io.messagestack.operator.common.Names;
import io.messagestack.operator.security.DatabaseCredentials.Keep;
import io.messagestack.operator.security.DatabaseCredentials.Lost;
import io.messagestack.operator.security.DatabaseCredentials.Plan;
import io.messagestack.operator.security.DatabaseCredentials.Write;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatabaseCredentialsTest {
    private static final Names NAMES = new Names("shop");
    private static final Map<String, String> KNOWN = Map.of("root", "YQ==", "monitor", "Yg==", "app", "Yw==",
            "sst", "ZA==", "backup", "ZQ==", "binlog", "Zg==");
    /** A stack created before the sst key existed. */
    private static final Map<String, String> BEFORE_SST = Map.of("root", "YQ==", "monitor", "Yg==", "app", "Yw==");

    private static String decode(String b64) {
        return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
    }

    @Test
    void aNewStackGetsThreeDifferentRandomPasswordsInBothSecrets() {
        Write write = assertInstanceOf(Write.class, DatabaseCredentials.plan(NAMES, null, null, false));
        assertTrue(write.main() && write.copy() && !write.restored());
        String root = decode(write.data().get("root"));
        String monitor = decode(write.data().get("monitor"));
        String app = decode(write.data().get("app"));
        assertEquals(24, decode(write.data().get("sst")).length());
        assertEquals(24, decode(write.data().get("backup")).length());
        assertEquals(24, decode(write.data().get("binlog")).length());
        assertEquals(24, root.length());
        assertTrue(root.matches("[A-Za-z0-9]+"));
        assertNotEquals(root, monitor);
        assertNotEquals(monitor, app);
        Write other = (Write) DatabaseCredentials.plan(NAMES, null, null, false);
        assertNotEquals(root, decode(other.data().get("root")));
    }

    @Test
    void matchingSecretsAreLeftAlone() {
        assertInstanceOf(Keep.class, DatabaseCredentials.plan(NAMES, KNOWN, KNOWN, true));
    }

    @Test
    void aDeletedMainSecretIsRestoredFromTheCopyWithTheSamePasswords() {
        Write write = assertInstanceOf(Write.class, DatabaseCredentials.plan(NAMES, null, KNOWN, true));
        assertEquals(KNOWN, write.data());
        assertTrue(write.main() && write.restored());
        assertFalse(write.copy());
    }

    @Test
    void aHandEditedPasswordIsPutBackBecauseTheDatabaseDoesNotKnowTheNewOne() {
        Map<String, String> edited = Map.of("root", "YQ==", "monitor", "Yg==", "app", "bmV3", "sst", "ZA==",
                "backup", "ZQ==");
        Write write = assertInstanceOf(Write.class, DatabaseCredentials.plan(NAMES, edited, KNOWN, true));
        assertEquals(KNOWN, write.data());
        assertTrue(write.restored());
    }

    @Test
    void anExtraKeyAPersonAddedIsNotAChange() {
        Map<String, String> withExtra = new java.util.HashMap<>(KNOWN);
        withExtra.put("note", "eA==");
        assertInstanceOf(Keep.class, DatabaseCredentials.plan(NAMES, withExtra, KNOWN, true));
    }

    @Test
    void aStackFromBeforeTheCopyExistedGetsItsCopyFromTheMainSecret() {
        Write write = assertInstanceOf(Write.class, DatabaseCredentials.plan(NAMES, KNOWN, null, true));
        assertEquals(KNOWN, write.data());
        assertTrue(write.copy());
        assertFalse(write.main());
    }

    @Test
    void bothGoneWithDataOnTheVolumesGeneratesNothingAndSaysWhatToDo() {
        Plan plan = DatabaseCredentials.plan(NAMES, null, null, true, n -> {
            throw new AssertionError("no password may be generated");
        });
        String message = assertInstanceOf(Lost.class, plan).message();
        assertTrue(message.contains("shop-db-credentials"), message);
        assertTrue(message.contains("shop-db-credentials-internal"), message);
        assertTrue(message.contains("datadir-shop-db-"), message);
        assertTrue(message.contains("Nothing else was changed"), message);
    }

    @Test
    void anIncompleteSecretWithoutDataGetsOnlyItsMissingKeysGenerated() {
        Write write = assertInstanceOf(Write.class, DatabaseCredentials.plan(NAMES,
                Map.of("root", "YQ==", "monitor", "Yg=="), null, false, n -> "generated"));
        assertEquals("YQ==", write.data().get("root"));
        assertEquals("Yg==", write.data().get("monitor"));
        assertEquals("generated", decode(write.data().get("app")));
        assertEquals("generated", decode(write.data().get("sst")));
    }

    @Test
    void aRunningStackWhoseSecretsLackTheSstKeyGetsItWithoutAnyOtherKeyChanging() {
        Write write = assertInstanceOf(Write.class, DatabaseCredentials.plan(NAMES, BEFORE_SST, BEFORE_SST, true,
                n -> "generated"));
        assertTrue(write.main() && write.copy(), "both Secrets get the new key");
        assertFalse(write.restored(), "nothing was deleted or edited");
        for (String key : BEFORE_SST.keySet()) {
            assertEquals(BEFORE_SST.get(key), write.data().get(key), key + " must not change");
        }
        assertEquals("generated", decode(write.data().get("sst")));
        assertEquals("generated", decode(write.data().get("backup")), "the backup key is added the same way");
        assertEquals("generated", decode(write.data().get("binlog")), "and the binlog key (point-in-time recovery)");
        // Written once, it is kept.
        assertInstanceOf(Keep.class, DatabaseCredentials.plan(NAMES, write.data(), write.data(), true));
    }

    @Test
    void theSstKeyOfTheMainSecretIsKeptWhenOnlyTheCopyLacksIt() {
        Write write = assertInstanceOf(Write.class, DatabaseCredentials.plan(NAMES, KNOWN, BEFORE_SST, true,
                n -> { throw new AssertionError("the main Secret's sst must be reused"); }));
        assertEquals(KNOWN, write.data());
        assertTrue(write.copy());
        assertFalse(write.main());
        assertFalse(write.restored());
    }

    @Test
    void aMainSecretWithoutCopyAndWithoutSstGetsSstInBoth() {
        Write write = assertInstanceOf(Write.class, DatabaseCredentials.plan(NAMES, BEFORE_SST, null, true,
                n -> "generated"));
        assertTrue(write.main() && write.copy());
        assertEquals("YQ==", write.data().get("root"));
        assertEquals("generated", decode(write.data().get("sst")));
    }

    @Test
    void anIncompleteSecretWithDataIsLostNotRegenerated() {
        assertInstanceOf(Lost.class, DatabaseCredentials.plan(NAMES, Map.of("root", "YQ=="), null, true));
    }

    @Test
    void bothSecretsCarryTheOperatorsLabelsAndSayWhatTheyAre() {
        Secret main = DatabaseCredentials.secret("shop", "prod", KNOWN);
        Secret copy = DatabaseCredentials.internalCopy("shop", "prod", KNOWN);
        assertEquals("shop-db-credentials", main.getMetadata().getName());
        assertEquals("shop-db-credentials-internal", copy.getMetadata().getName());
        for (Secret s : new Secret[] {main, copy}) {
            assertEquals("prod", s.getMetadata().getNamespace());
            assertEquals(Labels.OPERATOR, s.getMetadata().getLabels().get(Labels.MANAGED_BY));
            assertEquals("shop", s.getMetadata().getLabels().get(Labels.INSTANCE));
            assertEquals(KNOWN, s.getData());
        }
        assertTrue(copy.getMetadata().getAnnotations().get(DatabaseCredentials.PURPOSE_ANNOTATION)
                .contains("do not edit"));
    }
}
