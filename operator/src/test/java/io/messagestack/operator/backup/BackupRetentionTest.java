package io.messagestack.operator.backup;

import io.messagestack.operator.backup.BackupRetention.Backup;
import io.messagestack.operator.backup.BackupRetention.Policy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One row per retention rule. Backups are written "name:ageInHours[:incomplete]"; now is fixed. The expected
 * deletions are oldest first.
 */
class BackupRetentionTest {
    private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");

    private static List<Backup> backups(String spec) {
        List<Backup> out = new ArrayList<>();
        if (spec == null) {
            return out;
        }
        for (String b : spec.split(" ")) {
            String[] p = b.split(":");
            out.add(new Backup(p[0], NOW.minus(Duration.ofHours(Long.parseLong(p[1]))), p.length < 3));
        }
        return out;
    }

    @ParameterizedTest(name = "[{index}] {0}: count={1} maxAge={2}h -> delete {3}")
    @CsvSource(delimiter = '|', nullValues = "none", textBlock = """
            # no rule: nothing is ever deleted
            a:100 b:50 c:1                 | none | none | none
            # count: the newest N complete ones stay
            a:100 b:50 c:1                 | 2    | none | a
            a:100 b:50 c:1                 | 1    | none | a b
            a:100 b:50 c:1                 | 3    | none | none
            a:100 b:50 c:1                 | 5    | none | none
            # incomplete backups are neither deleted nor counted
            a:100 b:50 x:20:incomplete c:1 | 2    | none | a
            a:100 x:2:incomplete           | 1    | none | none
            # maxAge: complete ones younger than maxAge stay; the newest always stays
            a:100 b:50 c:1                 | none | 48   | a b
            a:100 b:50 c:1                 | none | 60   | a
            a:100 b:50                     | none | 24   | a
            a:100                          | none | 24   | none
            # both: deleted only when neither rule keeps it
            a:100 b:50 c:1                 | 1    | 60   | a
            a:100 b:50 c:30 d:1            | 3    | 24   | a
            a:100 b:50 c:30 d:1            | 1    | 24   | a b c
            # order of the listing does not matter; equal ages tie-break by name
            c:1 a:100 b:50                 | 2    | none | a
            a:10 b:10 c:10                 | 2    | none | c
            # nothing at all
            none                           | 2    | 24   | none
            """)
    void choose(String spec, Integer count, Long maxAgeHours, String expected) {
        Policy policy = new Policy(count, maxAgeHours == null ? null : Duration.ofHours(maxAgeHours));
        List<Backup> in = backups(spec);
        BackupRetention.Decision d = BackupRetention.choose(in, policy, NOW);
        List<String> want = expected == null ? List.of() : Arrays.asList(expected.split(" "));
        assertEquals(want, d.delete());
        assertEquals(want.size(), d.reasons().size());
        // Whatever the input order, the same choice.
        List<Backup> shuffled = new ArrayList<>(in);
        Collections.reverse(shuffled);
        assertEquals(want, BackupRetention.choose(shuffled, policy, NOW).delete());
    }

    @Test
    void reasonsNameTheRules() {
        BackupRetention.Decision d = BackupRetention.choose(backups("a:100 b:1"), new Policy(1, Duration.ofHours(24)), NOW);
        assertEquals(List.of("a: newer complete backups: 1 >= count 1; ended 6000 min ago >= maxAge 1440 min"), d.reasons());
    }

    @Test
    void badPoliciesAreRefusedNamingTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Policy(0, null));
        assertTrue(e.getMessage().startsWith("spec.backup.retention.count:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Policy(null, Duration.ZERO));
        assertTrue(e.getMessage().startsWith("spec.backup.retention.maxAge:"), e.getMessage());
    }
}
