package io.messagestack.api.message;

/** The stored message, and whether this request only replayed an earlier create with its key. */
public record CreateResult(Message message, boolean replayed) {
}
