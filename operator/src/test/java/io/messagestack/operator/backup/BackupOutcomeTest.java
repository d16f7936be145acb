package io.messagestack.operator.backup;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackupOutcomeTest {
    private static String contract() throws Exception {
        try (var in = BackupOutcomeTest.class.getResourceAsStream("/backup/manifest-v1.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The agent's success line: the manifest as a compact object, keys in any order, and the location. */
    private static String success(String manifest) {
        return "{\"location\":\"s3://b/messagestack/demo/backups/demo-20261206-0300/\",\"manifest\":"
                + manifest.replace("\n", "") + "}\n";
    }

    @Test
    void aSuccessCarriesTheManifest() throws Exception {
        BackupOutcome o = BackupOutcome.parse(success(contract()), "demo-20261206-0300");
        assertTrue(o.succeeded(), o.error());
        assertEquals(48213, o.manifest().galeraSeqno());
        assertEquals("0-1-48213", o.manifest().gtid());
        assertEquals(7340032, o.manifest().dataSize());
        assertEquals("s3://b/messagestack/demo/backups/demo-20261206-0300/", o.location());
    }

    @Test
    void failuresAndBrokenResultsAreFailedWithAReason() throws Exception {
        String[][] rows = {
                {"{\"error\":\"bucket b at http://s3:7070: 403 Forbidden\"}", "403 Forbidden"},
                {"", "left no result"},
                {"panic: runtime error", "not JSON"},
                {"{\"location\":\"x\"}", "neither a manifest nor an error"},
                {success(contract().replace("\"sha256\" : \"9f86", "\"sha256\" : \"XX86")), "data.sha256"},
                {success(contract().replace("\"formatVersion\" : 1", "\"formatVersion\" : 2")), "format"},
        };
        for (String[] row : rows) {
            BackupOutcome o = BackupOutcome.parse(row[0], "demo-20261206-0300");
            assertFalse(o.succeeded(), row[0]);
            assertTrue(o.error().contains(row[1]), "'" + o.error() + "' should contain '" + row[1] + "'");
        }
        BackupOutcome other = BackupOutcome.parse(success(contract()), "another-backup");
        assertFalse(other.succeeded());
        assertTrue(other.error().contains("not another-backup"), other.error());
        assertTrue(BackupOutcome.parse("{\"error\":\"" + "x".repeat(5000) + "\"}", "b").error().length() <= 1024);
    }
}
