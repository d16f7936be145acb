package io.messagestack.operator.backup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The object names of docs/backup.md ("Layout in the bucket"), one row per case. */
class BackupLayoutTest {
    private static final String F = "spec.backup.storage.s3.prefix";

    @ParameterizedTest(name = "prefix ''{0}'' -> ''{1}''")
    @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
            null                | ''
            ''                  | ''
            backups             | backups
            /backups/           | backups
            a//b///c/           | a/b/c
            team-a/prod.db_1    | team-a/prod.db_1
            ...x/y              | ...x/y
            """)
    void normalizedPrefix(String prefix, String expected) {
        assertEquals(expected, BackupLayout.normalizePrefix(F, prefix));
    }

    @ParameterizedTest(name = "prefix ''{0}'' refused: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            a/../b       | has a '..' segment
            ./a          | has a '.' segment
            a b          | may hold only letters
            a?b          | may hold only letters
            a\\b         | may hold only letters
            """)
    void refusedPrefix(String prefix, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BackupLayout.normalizePrefix(F, prefix));
        assertTrue(e.getMessage().startsWith(F + ": ") && e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void tooLongPrefixIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BackupLayout.normalizePrefix(F, "a".repeat(257)));
        assertTrue(e.getMessage().contains("longer than 256"), e.getMessage());
    }

    @ParameterizedTest(name = "{0} / {1} / {2}")
    @CsvSource(delimiter = '|', textBlock = """
            ''      | messagestack | demo | messagestack/demo/
            backups | messagestack | demo | backups/messagestack/demo/
            a/b     | prod         | shop | a/b/prod/shop/
            """)
    void objectNames(String prefix, String ns, String stack, String root) {
        String r = BackupLayout.stackRoot(BackupLayout.normalizePrefix(F, prefix), ns, stack);
        assertEquals(root, r);
        assertEquals(root + "backups/demo-20261206-0300/data.xbstream.zst", BackupLayout.dataObject(r, "demo-20261206-0300"));
        assertEquals(root + "backups/demo-20261206-0300/manifest.json", BackupLayout.manifestObject(r, "demo-20261206-0300"));
        assertEquals(root + "binlogs/69a5882d-e8dd-11f1-a129-7fb5ec1daa7b/mariadb-bin.000042",
                BackupLayout.binlogObject(r, "69a5882d-e8dd-11f1-a129-7fb5ec1daa7b", "mariadb-bin.000042"));
    }

    @Test
    void theBinlogFolderOfABackupsStack() {
        assertEquals("team/prod/shop/binlogs", BackupLayout.binlogFolderOfBackup("team/prod/shop/backups/shop-20261206-0300"));
        assertEquals("prod/shop/binlogs", BackupLayout.binlogFolderOfBackup("prod/shop/backups/b1"));
        assertEquals("prod/shop/binlogs", BackupLayout.binlogFolder(BackupLayout.stackRoot("", "prod", "shop")));
        for (String bad : new String[] {"prod/shop/backups/", "backups/b1", "prod/shop/b1", "prod/shop/backups/a/b"}) {
            assertThrows(IllegalArgumentException.class, () -> BackupLayout.binlogFolderOfBackup(bad), bad);
        }
    }

    @Test
    void binlogFileMustBeAPlainName() {
        String u = "69a5882d-e8dd-11f1-a129-7fb5ec1daa7b";
        for (String bad : new String[] {"../x", "a/b", "..", ".", ""}) {
            assertThrows(IllegalArgumentException.class, () -> BackupLayout.binlogObject("ns/s/", u, bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> BackupLayout.binlogObject("ns/s/", "../u", "f.000001"));
    }

    @Test
    void scheduledNamesSortByTimeAndFitALabel() {
        String longest = "s".repeat(48); // SpecLimits.NAME_MAX_LENGTH
        String name = BackupLayout.scheduledBackupName(longest, Instant.parse("2026-12-06T03:00:59Z"));
        assertEquals(longest + "-20261206-0300", name);
        assertTrue(name.length() <= 63, name);
        assertTrue(BackupLayout.scheduledBackupName("demo", Instant.parse("2026-12-06T03:00:00Z"))
                .compareTo(BackupLayout.scheduledBackupName("demo", Instant.parse("2026-12-06T10:00:00Z"))) < 0);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "none", textBlock = """
            p/ns/demo/backups/demo-20261206-0300/manifest.json      | demo-20261206-0300
            p/ns/demo/backups/demo-20261206-0300/data.xbstream.zst  | none
            p/ns/demo/backups/manifest.json                         | none
            p/ns/demo/backups//manifest.json                        | none
            p/ns/demo/backups/a/b/manifest.json                     | none
            p/ns/demo2/backups/x/manifest.json                      | none
            p/ns/demo/binlogs/x/manifest.json                       | none
            """)
    void completeBackupFromAListing(String key, String expected) {
        assertEquals(Optional.ofNullable(expected), BackupLayout.completeBackupOf("p/ns/demo/", key));
    }
}
