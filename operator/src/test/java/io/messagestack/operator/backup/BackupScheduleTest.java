package io.messagestack.operator.backup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One row per rule of BackupSchedule: the next firing time, the due decision, and refused expressions. */
class BackupScheduleTest {
    private static final String F = "spec.backup.schedule";

    @ParameterizedTest(name = "{0} after {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            0 3 * * *        | 2026-12-06T02:59:00Z | 2026-12-06T03:00:00Z
            0 3 * * *        | 2026-12-06T03:00:00Z | 2026-12-07T03:00:00Z
            0 3 * * *        | 2026-12-06T03:00:59Z | 2026-12-07T03:00:00Z
            0 3 * * *        | 2026-12-31T23:59:59Z | 2027-01-01T03:00:00Z
            */15 * * * *     | 2026-12-06T09:44:10Z | 2026-12-06T09:45:00Z
            */15 * * * *     | 2026-12-06T09:59:00Z | 2026-12-06T10:00:00Z
            5/20 * * * *     | 2026-12-06T09:26:00Z | 2026-12-06T09:45:00Z
            0 */6 * * *      | 2026-12-06T07:00:00Z | 2026-12-06T12:00:00Z
            30 1-3 * * *     | 2026-12-06T01:30:00Z | 2026-12-06T02:30:00Z
            0 0 * * 0        | 2026-12-06T09:00:00Z | 2026-12-13T00:00:00Z
            0 0 * * 7        | 2026-12-06T09:00:00Z | 2026-12-13T00:00:00Z
            0 0 * * 1-5      | 2026-12-05T09:00:00Z | 2026-12-07T00:00:00Z
            0 0 1 * *        | 2026-12-06T09:00:00Z | 2027-01-01T00:00:00Z
            0 0 29 2 *       | 2026-03-01T00:00:00Z | 2028-02-29T00:00:00Z
            0 0 31 * *       | 2026-04-01T00:00:00Z | 2026-05-31T00:00:00Z
            0 0 13 * 5       | 2026-12-06T00:00:00Z | 2026-12-11T00:00:00Z
            0 0 */2 * 5      | 2026-12-06T00:00:00Z | 2026-12-11T00:00:00Z
            0,30 9 * * *     | 2026-12-06T09:10:00Z | 2026-12-06T09:30:00Z
            @hourly          | 2026-12-06T09:10:00Z | 2026-12-06T10:00:00Z
            @daily           | 2026-12-06T09:10:00Z | 2026-12-07T00:00:00Z
            @weekly          | 2026-12-06T09:10:00Z | 2026-12-13T00:00:00Z
            @monthly         | 2026-12-06T09:10:00Z | 2027-01-01T00:00:00Z
            """)
    void nextFiring(String expr, String after, String expected) {
        BackupSchedule s = BackupSchedule.parse(F, expr);
        assertEquals(Optional.of(Instant.parse(expected)), s.next(Instant.parse(after)));
    }

    @ParameterizedTest(name = "{0}: last {1}, now {2} -> {3}")
    @CsvSource(delimiter = '|', nullValues = "none", textBlock = """
            0 3 * * *    | 2026-12-05T03:00:00Z | 2026-12-06T02:59:59Z | none
            0 3 * * *    | 2026-12-05T03:00:00Z | 2026-12-06T03:00:00Z | 2026-12-06T03:00:00Z
            0 3 * * *    | 2026-12-05T03:00:00Z | 2026-12-06T04:10:00Z | 2026-12-06T03:00:00Z
            0 3 * * *    | 2026-12-06T03:00:00Z | 2026-12-06T04:10:00Z | none
            0 3 * * *    | 2026-12-01T03:00:00Z | 2026-12-06T04:10:00Z | 2026-12-06T03:00:00Z
            */10 * * * * | 2026-12-06T08:00:00Z | 2026-12-06T09:44:00Z | 2026-12-06T09:40:00Z
            * * * * *    | 2026-11-06T08:00:00Z | 2026-12-06T09:44:30Z | 2026-12-06T09:44:00Z
            """)
    void dueSlot(String expr, String lastHandled, String now, String expected) {
        BackupSchedule s = BackupSchedule.parse(F, expr);
        Optional<Instant> want = expected == null ? Optional.empty() : Optional.of(Instant.parse(expected));
        assertEquals(want, s.dueSlot(Instant.parse(lastHandled), Instant.parse(now)));
    }

    @ParameterizedTest(name = "''{0}'' refused: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            ''               | empty
            '   '            | empty
            0 3 * *          | has 4 fields
            0 3 * * * *      | has 6 fields
            60 3 * * *       | minute '60': value 60 is out of range 0-59
            0 24 * * *       | hour '24': value 24 is out of range 0-23
            0 3 0 * *        | day-of-month '0': value 0 is out of range 1-31
            0 3 * 13 *       | month '13': value 13 is out of range 1-12
            0 3 * * 8        | day-of-week '8': value 8 is out of range 0-7
            0 3 * JAN *      | month 'JAN': value 'JAN' is not a number 1-12
            0 3 * * MON      | day-of-week 'MON': value 'MON' is not a number 0-7
            5-1 * * * *      | minute '5-1': range 5-1 runs backwards
            */0 * * * *      | minute '*/0': step 0 is out of range 1-60
            1,,2 * * * *     | minute '1,,2': empty list item
            1-2-3 * * * *    | minute '1-2-3': '1-2-3' is not a range a-b
            -1 * * * *       | minute '-1': range start '' is not a number 0-59
            0 0 30 2 *       | never fires
            0 0 31 4,6,9,11 *| never fires
            @yearly          | unknown macro '@yearly'
            """)
    void refused(String expr, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BackupSchedule.parse(F, expr));
        assertTrue(e.getMessage().startsWith(F + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void tooLongIsRefused() {
        String expr = "0 3 * * " + "1,".repeat(70) + "1";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BackupSchedule.parse(F, expr));
        assertTrue(e.getMessage().contains("longer than 128"), e.getMessage());
    }
}
