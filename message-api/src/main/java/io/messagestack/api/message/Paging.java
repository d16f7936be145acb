package io.messagestack.api.message;

import java.util.ArrayList;
import java.util.List;

import io.messagestack.api.http.FieldError;
import io.messagestack.api.http.InvalidRequestException;

/**
 * Optional ?limit=&offset= on the list. Without them the whole list is returned, as the
 * original API does; the response stays a bare array either way.
 */
public record Paging(int offset, Integer limit) {

    public static final int MAX_LIMIT = 1000;

    public static Paging parse(String limit, String offset) {
        List<FieldError> errors = new ArrayList<>();
        Integer parsedLimit = parse("limit", limit, 1, MAX_LIMIT, errors);
        Integer parsedOffset = parse("offset", offset, 0, Integer.MAX_VALUE, errors);
        if (!errors.isEmpty()) {
            throw new InvalidRequestException("invalid query parameters", errors);
        }
        return new Paging(parsedOffset == null ? 0 : parsedOffset, parsedLimit);
    }

    private static Integer parse(String name, String value, int min, int max, List<FieldError> errors) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            int parsed = Integer.parseInt(value);
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException notANumber) {
            // reported below
        }
        errors.add(new FieldError(name, "must be a whole number from " + min + " to " + max));
        return null;
    }
}
