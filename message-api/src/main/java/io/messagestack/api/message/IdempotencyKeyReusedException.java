package io.messagestack.api.message;

/** A create repeated an Idempotency-Key that already stored a message with other content. */
public class IdempotencyKeyReusedException extends RuntimeException {

    public IdempotencyKeyReusedException() {
        super("this Idempotency-Key was already used for a message with a different subject or body");
    }
}
