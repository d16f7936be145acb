package io.messagestack.api.message;

/**
 * How many messages are stored: exact up to {@link MessageService#EXACT_COUNT_UP_TO}, above that
 * InnoDB's own estimate (information_schema.TABLES.TABLE_ROWS), never a full COUNT(*).
 */
public record MessageCount(long count, boolean exact) {
}
