package io.messagestack.api.message;

import java.util.ArrayList;
import java.util.List;

import io.messagestack.api.http.FieldError;
import io.messagestack.api.http.InvalidRequestException;

/**
 * The list's optional query parameters. Without any of them the whole list is returned ordered
 * by pk, as the original API does; the response stays a bare array whatever is given.
 * <ul>
 * <li>{@code limit} 1..1000: at most that many messages (one bounded query, not streamed);</li>
 * <li>{@code offset} 0..100000: skip that many first (deeper pages cost a scan of the skipped
 * rows: use the keyset parameters instead);</li>
 * <li>{@code after_id} / {@code before_id}: only messages with a pk greater / smaller than this
 * (a keyset cursor: as cheap on the millionth row as on the first);</li>
 * <li>{@code ordering} {@code pk} (default) or {@code -pk} (newest first), as DRF's
 * OrderingFilter spells it.</li>
 * </ul>
 */
public record Paging(int offset, Integer limit, Long afterId, Long beforeId, boolean descending) {

    public static final int MAX_LIMIT = 1000;
    public static final int MAX_OFFSET = 100_000;
    public static final Paging ALL = new Paging(0, null, null, null, false);

    public Paging {
        if (offset < 0 || (limit != null && limit < 1)) {
            throw new IllegalArgumentException("offset " + offset + ", limit " + limit);
        }
    }

    /** The old two-parameter form, kept for callers that page by offset only. */
    public static Paging parse(String limit, String offset) {
        return parse(limit, offset, null, null, null);
    }

    public static Paging parse(String limit, String offset, String afterId, String beforeId, String ordering) {
        List<FieldError> errors = new ArrayList<>();
        Long parsedLimit = parse("limit", limit, 1, MAX_LIMIT, errors);
        Long parsedOffset = parse("offset", offset, 0, MAX_OFFSET, errors);
        Long after = parse("after_id", afterId, 0, Long.MAX_VALUE, errors);
        Long before = parse("before_id", beforeId, 1, Long.MAX_VALUE, errors);
        boolean descending = false;
        if (ordering != null && !ordering.isEmpty()) {
            switch (ordering) {
                case "pk", "id" -> descending = false;
                case "-pk", "-id" -> descending = true;
                default -> errors.add(new FieldError("ordering", "must be pk or -pk"));
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidRequestException("invalid query parameters", errors);
        }
        return new Paging(parsedOffset == null ? 0 : parsedOffset.intValue(),
                parsedLimit == null ? null : parsedLimit.intValue(), after, before, descending);
    }

    /** True when the answer is a bounded window (one query); false when it is streamed in chunks. */
    public boolean bounded() {
        return limit != null;
    }

    private static Long parse(String name, String value, long min, long max, List<FieldError> errors) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        // Digits only (no sign, no spaces, no "1e3"), and few enough that parsing cannot overflow.
        if (value.length() <= 19 && value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            try {
                long parsed = Long.parseLong(value);
                if (parsed >= min && parsed <= max) {
                    return parsed;
                }
            } catch (NumberFormatException overflow) {
                // reported below
            }
        }
        errors.add(new FieldError(name, "must be a whole number from " + min + " to " + max));
        return null;
    }
}
