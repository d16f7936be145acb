package io.messagestack.operator.backup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** manifest.json: the example file is the format (docs/backup.md); each broken field is refused by name. */
class BackupManifestTest {
    static String example() throws IOException {
        try (InputStream in = BackupManifestTest.class.getResourceAsStream("/backup/manifest-v1.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void theExampleReadsAndWritesBackByteForByte() throws IOException {
        BackupManifest m = BackupManifest.parse(example());
        assertEquals(new BackupManifest("demo", "messagestack", "demo-20261206-0300", "mariadb-galera",
                "10.11.14-MariaDB-0+deb12u2", "demo-db-1", Instant.parse("2026-12-06T03:00:02Z"),
                Instant.parse("2026-12-06T03:01:17Z"), "69a5882d-e8dd-11f1-a129-7fb5ec1daa7b", 48213, "0-1-48213",
                "data.xbstream.zst", "zstd", 7340032,
                "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"), m);
        assertEquals("69a5882d-e8dd-11f1-a129-7fb5ec1daa7b:48213", m.galeraPosition());
        assertEquals(example(), m.toJson());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            "formatVersion" : 1                      | "formatVersion" : 2                       | formatVersion 2 is not 1
            "formatVersion" : 1,                     | ''                                        | formatVersion missing
            "engine" : "mariadb-galera"              | "engine" : "mysql"                        | engine 'mysql' is not one of
            "stack" : "demo"                         | "stack" : ""                              | stack missing or empty
            "node" : "demo-db-1",                    | ''                                        | node missing or empty
            "startTime" : "2026-12-06T03:00:02Z"     | "startTime" : "yesterday"                 | startTime 'yesterday' is not an RFC 3339
            "endTime" : "2026-12-06T03:01:17Z"       | "endTime" : "2026-12-06T02:00:00Z"        | endTime is before startTime
            "galeraUuid" : "69a5882d-e8dd-11f1-a129-7fb5ec1daa7b" | "galeraUuid" : "not-a-uuid" | position.galeraUuid 'not-a-uuid' is not a UUID
            "galeraSeqno" : 48213                    | "galeraSeqno" : -1                        | position.galeraSeqno is negative
            "galeraSeqno" : 48213                    | "galeraSeqno" : "48213"                   | position.galeraSeqno missing or not a whole number
            "size" : 7340032                         | "size" : 1.5                              | data.size missing or not a whole number
            "object" : "data.xbstream.zst"           | "object" : "../../etc/passwd"             | data.object '../../etc/passwd' is not data.xbstream.zst
            "format" : "xbstream"                    | "format" : "tar"                          | data.format is not xbstream
            "sha256" : "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" | "sha256" : "9F86" | data.sha256 is not 64 lower-case hex digits
            """)
    void brokenFieldsAreRefusedByName(String from, String to, String message) throws IOException {
        String json = example();
        assertTrue(json.contains(from), "the example has " + from);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BackupManifest.parse(json.replace(from, to)));
        assertTrue(e.getMessage().startsWith("manifest.json: ") && e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void notJsonIsRefused() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BackupManifest.parse("{"))
                .getMessage().startsWith("manifest.json: not JSON"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BackupManifest.parse("[1]"))
                .getMessage().contains("not a JSON object"));
    }
}
