package io.messagestack.api.message;

import java.time.Instant;

/** A message as the list reads it: a projection, never a managed entity (nothing piles up in a session). */
public record MessageRow(long id, String subject, String body, Instant createdAt) {

    /** Characters held by this row: what the list's chunk sizing budgets for. */
    int chars() {
        return subject.length() + body.length();
    }
}
