package io.messagestack.operator.backup;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.BitSet;
import java.util.Optional;

/**
 * spec.backup.schedule: a standard five-field cron expression (minute hour day-of-month month day-of-week), read in
 * UTC, plus the macros {@code @hourly @daily @weekly @monthly}. Each field is {@code *}, a number, a range
 * {@code a-b}, a step {@code * /s} or {@code a-b/s}, or a comma list of those; day-of-week 0 and 7 are Sunday. As in
 * Vixie cron (and Kubernetes CronJobs), when both day fields are restricted a day matches if either does. Names
 * (JAN, MON) are not accepted: one spelling, so two people reading a spec read the same thing.
 * <p>
 * Pure: {@link #parse} refuses a bad expression with a message that names the field and the part, and
 * {@link #dueSlot} is the whole scheduling decision.
 */
public final class BackupSchedule {
    /** A schedule that never fires in this long (30 February, 31 April) is refused at parse time. */
    static final long SEARCH_YEARS = 5;
    /** The longest expression accepted (the CRD schema uses the same bound). */
    public static final int MAX_LENGTH = 128;

    private final String expression;
    private final BitSet minutes;
    private final BitSet hours;
    private final BitSet daysOfMonth;
    private final BitSet months;
    private final BitSet daysOfWeek;
    private final boolean domRestricted;
    private final boolean dowRestricted;

    private BackupSchedule(String expression, BitSet minutes, BitSet hours, BitSet daysOfMonth, BitSet months,
                           BitSet daysOfWeek, boolean domRestricted, boolean dowRestricted) {
        this.expression = expression;
        this.minutes = minutes;
        this.hours = hours;
        this.daysOfMonth = daysOfMonth;
        this.months = months;
        this.daysOfWeek = daysOfWeek;
        this.domRestricted = domRestricted;
        this.dowRestricted = dowRestricted;
    }

    public String expression() {
        return expression;
    }

    /**
     * Parses {@code expression}; {@code field} is the spec path used in error messages
     * (e.g. {@code spec.backup.schedule}).
     *
     * @throws IllegalArgumentException naming the field and what is wrong
     */
    public static BackupSchedule parse(String field, String expression) {
        if (expression == null || expression.isBlank()) {
            throw new IllegalArgumentException(field + ": empty; give a cron expression such as '0 3 * * *'");
        }
        if (expression.length() > MAX_LENGTH) {
            throw new IllegalArgumentException(field + ": longer than " + MAX_LENGTH + " characters");
        }
        String expr = expression.trim();
        String expanded = switch (expr) {
            case "@hourly" -> "0 * * * *";
            case "@daily", "@midnight" -> "0 0 * * *";
            case "@weekly" -> "0 0 * * 0";
            case "@monthly" -> "0 0 1 * *";
            default -> expr;
        };
        if (expanded.startsWith("@")) {
            throw new IllegalArgumentException(field + ": unknown macro '" + expr
                    + "' (accepted: @hourly, @daily, @midnight, @weekly, @monthly)");
        }
        String[] parts = expanded.split("\\s+");
        if (parts.length != 5) {
            throw new IllegalArgumentException(field + ": '" + expr + "' has " + parts.length
                    + " fields; a cron expression has 5: minute hour day-of-month month day-of-week");
        }
        BitSet dow = parseField(field, "day-of-week", parts[4], 0, 7);
        if (dow.get(7)) { // 7 is Sunday too
            dow.set(0);
            dow.clear(7);
        }
        BackupSchedule s = new BackupSchedule(expr,
                parseField(field, "minute", parts[0], 0, 59),
                parseField(field, "hour", parts[1], 0, 23),
                parseField(field, "day-of-month", parts[2], 1, 31),
                parseField(field, "month", parts[3], 1, 12),
                dow, !isStar(parts[2]), !isStar(parts[4]));
        if (s.next(Instant.parse("2000-01-01T00:00:00Z")).isEmpty()) {
            throw new IllegalArgumentException(field + ": '" + expr + "' never fires (no such date)");
        }
        return s;
    }

    /** As Vixie cron and Kubernetes CronJobs decide it: a day field that starts with '*' does not restrict. */
    private static boolean isStar(String part) {
        return part.startsWith("*");
    }

    private static BitSet parseField(String field, String name, String text, int min, int max) {
        BitSet bits = new BitSet(max + 1);
        for (String item : text.split(",", -1)) {
            String where = field + ": " + name + " '" + text + "'";
            if (item.isEmpty()) {
                throw new IllegalArgumentException(where + ": empty list item");
            }
            String range = item;
            int step = 1;
            int slash = item.indexOf('/');
            if (slash >= 0) {
                range = item.substring(0, slash);
                step = number(where, item.substring(slash + 1), 1, max - min + 1, "step");
            }
            int lo;
            int hi;
            if (range.equals("*")) {
                lo = min;
                hi = max;
            } else if (range.contains("-")) {
                String[] ends = range.split("-", -1);
                if (ends.length != 2) {
                    throw new IllegalArgumentException(where + ": '" + range + "' is not a range a-b");
                }
                lo = number(where, ends[0], min, max, "range start");
                hi = number(where, ends[1], min, max, "range end");
                if (lo > hi) {
                    throw new IllegalArgumentException(where + ": range " + range + " runs backwards");
                }
            } else {
                lo = number(where, range, min, max, "value");
                hi = slash >= 0 ? max : lo; // "5/15" = from 5 every 15, as in Vixie cron
            }
            for (int v = lo; v <= hi; v += step) {
                bits.set(v);
            }
        }
        return bits;
    }

    private static int number(String where, String text, int min, int max, String what) {
        if (!text.matches("[0-9]{1,2}")) {
            throw new IllegalArgumentException(where + ": " + what + " '" + text + "' is not a number " + min + "-" + max);
        }
        int v = Integer.parseInt(text);
        if (v < min || v > max) {
            throw new IllegalArgumentException(where + ": " + what + " " + v + " is out of range " + min + "-" + max);
        }
        return v;
    }

    private boolean dayMatches(LocalDate d) {
        boolean dom = daysOfMonth.get(d.getDayOfMonth());
        boolean dow = daysOfWeek.get(d.getDayOfWeek().getValue() % 7);
        if (domRestricted && dowRestricted) {
            return dom || dow;
        }
        return dom && dow;
    }

    /** The first time this schedule fires strictly after {@code after} (minute precision, UTC). */
    public Optional<Instant> next(Instant after) {
        LocalDateTime t = LocalDateTime.ofInstant(after, ZoneOffset.UTC).truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
        LocalDate end = t.toLocalDate().plusYears(SEARCH_YEARS);
        LocalDate day = t.toLocalDate();
        while (!day.isAfter(end)) {
            if (months.get(day.getMonthValue()) && dayMatches(day)) {
                boolean firstDay = day.equals(t.toLocalDate());
                int h0 = firstDay ? t.getHour() : 0;
                for (int h = hours.nextSetBit(h0); h >= 0; h = hours.nextSetBit(h + 1)) {
                    int m0 = firstDay && h == t.getHour() ? t.getMinute() : 0;
                    int m = minutes.nextSetBit(m0);
                    if (m >= 0 && m <= 59) {
                        return Optional.of(day.atTime(h, m).toInstant(ZoneOffset.UTC));
                    }
                }
            }
            day = day.plusDays(1);
        }
        return Optional.empty();
    }

    /**
     * The scheduling decision: the slot a backup is due for, given the last slot already handled (or the time the
     * schedule was set, for the first one) and now. When several slots were missed (the operator was down) only the
     * latest is returned: one backup catches up, not a burst. Empty when nothing is due.
     */
    public Optional<Instant> dueSlot(Instant lastHandled, Instant now) {
        Optional<Instant> slot = next(lastHandled);
        if (slot.isEmpty() || slot.get().isAfter(now)) {
            return Optional.empty();
        }
        Instant latest = slot.get();
        // Walk forward to the latest slot <= now; bounded: at most one slot per minute of the gap.
        for (Optional<Instant> n = next(latest); n.isPresent() && !n.get().isAfter(now); n = next(latest)) {
            latest = n.get();
        }
        return Optional.of(latest);
    }

    @Override
    public String toString() {
        return expression;
    }
}
