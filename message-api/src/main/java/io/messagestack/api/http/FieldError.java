package io.messagestack.api.http;

import java.util.Comparator;

/** One thing wrong with a request: the field (JSON property, query parameter or header) and why. */
public record FieldError(String field, String message) implements Comparable<FieldError> {

    private static final Comparator<FieldError> ORDER = Comparator
            .comparing(FieldError::field, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(FieldError::message, Comparator.nullsFirst(Comparator.naturalOrder()));

    @Override
    public int compareTo(FieldError other) {
        return ORDER.compare(this, other);
    }
}
