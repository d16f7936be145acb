package io.messagestack.api.database;

/** The transaction kept losing Galera certification (or InnoDB deadlocks) after every retry. */
public class WriteConflictException extends RuntimeException {

    public WriteConflictException(String operation, int attempts, Throwable cause) {
        super(operation + " conflicted with concurrent writes " + attempts + " times in a row", cause);
    }
}
