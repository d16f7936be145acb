package io.messagestack.operator.backup;

import io.messagestack.operator.backup.BackupHealth.Backup;
import io.messagestack.operator.backup.BackupHealth.Health;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * One row per rule. Backups are written "name:phase[:minutesAgo]" (C Completed, F Failed, R Running, P Pending);
 * minutesAgo is when it finished.
 */
class BackupHealthTest {
    private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");

    private static List<Backup> backups(String spec) {
        List<Backup> out = new ArrayList<>();
        if (spec == null) {
            return out;
        }
        for (String b : spec.split(" ")) {
            String[] p = b.split(":");
            String phase = switch (p[1]) {
                case "C" -> "Completed";
                case "F" -> "Failed";
                case "R" -> "Running";
                default -> "Pending";
            };
            Instant finished = p.length > 2 ? NOW.minus(Duration.ofMinutes(Long.parseLong(p[2]))) : null;
            out.add(new Backup(p[0], phase, finished, "F".equals(p[1]) ? "AccessDenied" : null));
        }
        return out;
    }

    @ParameterizedTest(name = "[{index}] {0} -> last success {1}, failing {2}")
    @CsvSource(delimiter = '|', nullValues = "none", textBlock = """
            none                         | none | none
            a:P b:R                      | none | none
            a:C:30                       | a    | none
            a:C:30 b:C:10                | b    | none
            a:F:5                        | none | a
            a:C:30 b:F:10                | a    | b
            a:F:30 b:C:10                | b    | none
            a:C:30 b:F:10 c:R            | a    | b
            a:F:30 b:C:10 c:F:5          | b    | c
            a:C:10 b:C:10                | b    | none
            a:F:10 b:C:10                | b    | none
            """)
    void rules(String spec, String lastSuccess, String failing) {
        Health health = BackupHealth.of(backups(spec));
        assertEquals(lastSuccess, health.lastSuccess().map(Backup::name).orElse(null), "last success");
        assertEquals(failing, health.failing().map(Backup::name).orElse(null), "failing");
    }
}
