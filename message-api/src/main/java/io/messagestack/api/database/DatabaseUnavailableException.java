package io.messagestack.api.database;

/** The database path stayed unavailable for every retry. */
public class DatabaseUnavailableException extends RuntimeException {

    public DatabaseUnavailableException(String operation, int attempts, Throwable cause) {
        super(operation + " could not reach a ready database node in " + attempts + " attempts", cause);
    }
}
