package io.messagestack.api.database;

/**
 * One run of a transaction. {@code earlierOutcomeUnknown} is true when an earlier attempt failed
 * in a way that leaves open whether its commit happened (lost connection during commit), so the
 * work can check for its own earlier effect.
 */
public record Attempt(int number, boolean earlierOutcomeUnknown) {

    public boolean isRetry() {
        return number > 1;
    }
}
