package io.messagestack.api.database;

/** What a database failure means for the transaction that hit it. */
public enum FailureKind {
    /** Galera certification conflict, InnoDB deadlock or lock wait timeout: run the transaction again. */
    CONFLICT(true),
    /**
     * The database path is down or the node is not ready (lost connection, WSREP not prepared,
     * no connection within the acquisition timeout, commit outcome unknown): pause, then run again.
     * A commit that was in flight may or may not have happened, so only idempotent work is retried.
     */
    UNAVAILABLE(true),
    /** A unique key rejected the row (a concurrent request with the same idempotency key won). */
    DUPLICATE_KEY(true),
    /** Anything else: a bug or bad data; not retried. */
    PERMANENT(false);

    private final boolean retryable;

    FailureKind(boolean retryable) {
        this.retryable = retryable;
    }

    public boolean retryable() {
        return retryable;
    }
}
