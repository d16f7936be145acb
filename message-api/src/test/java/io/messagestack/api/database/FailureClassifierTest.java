package io.messagestack.api.database;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLSyntaxErrorException;
import java.sql.SQLTransientConnectionException;

import javax.transaction.xa.XAException;

import org.junit.jupiter.api.Test;

class FailureClassifierTest {

    static RuntimeException wrapped(Throwable cause) {
        // How Hibernate and the transaction manager hand the driver's exception on.
        return new IllegalStateException("outer", new RuntimeException("middle", cause));
    }

    @Test
    void galeraCertificationFailureIsAConflict() {
        var deadlock = new SQLException("Deadlock found when trying to get lock; try restarting transaction", "40001", 1213);
        assertEquals(FailureKind.CONFLICT, FailureClassifier.classify(wrapped(deadlock)));
    }

    @Test
    void lockWaitTimeoutIsAConflict() {
        assertEquals(FailureKind.CONFLICT,
                FailureClassifier.classify(wrapped(new SQLException("Lock wait timeout", "HY000", 1205))));
    }

    @Test
    void wsrepNotReadyIsUnavailable() {
        var notReady = new SQLException("WSREP has not yet prepared node for application use", "08S01", 1047);
        assertEquals(FailureKind.UNAVAILABLE, FailureClassifier.classify(wrapped(notReady)));
    }

    @Test
    void lostConnectionIsUnavailable() {
        var lost = new SQLException("Communications link failure", "08S01", 0);
        assertEquals(FailureKind.UNAVAILABLE, FailureClassifier.classify(wrapped(lost)));
        assertEquals(FailureKind.UNAVAILABLE, FailureClassifier.classify(wrapped(new ConnectException("refused"))));
        assertEquals(FailureKind.UNAVAILABLE,
                FailureClassifier.classify(wrapped(new SQLTransientConnectionException("gone"))));
    }

    @Test
    void poolAcquisitionTimeoutIsUnavailable() {
        assertEquals(FailureKind.UNAVAILABLE,
                FailureClassifier.classify(wrapped(new SQLException("Sorry, acquisition timeout!"))));
    }

    @Test
    void aDeadPooledConnectionFailingToJoinTheTransactionIsUnavailable() {
        var enlist = new SQLException("Exception in association of connection to existing transaction",
                new SQLException("Failed to enlist. Check if a connection from another datasource is already enlisted"));
        assertEquals(FailureKind.UNAVAILABLE, FailureClassifier.classify(wrapped(enlist)));
    }

    @Test
    void failedCommitIsUnavailableBecauseItsOutcomeIsUnknown() {
        assertEquals(FailureKind.UNAVAILABLE,
                FailureClassifier.classify(wrapped(new jakarta.transaction.RollbackException("ARJUNA016053"))));
    }

    @Test
    void xaCodesFromTheTransactionManager() {
        assertEquals(FailureKind.CONFLICT, FailureClassifier.classify(wrapped(new XAException(XAException.XA_RBDEADLOCK))));
        assertEquals(FailureKind.UNAVAILABLE, FailureClassifier.classify(wrapped(new XAException(XAException.XAER_RMFAIL))));
    }

    @Test
    void suppressedAndNextExceptionsAreSeen() {
        var outer = new RuntimeException("commit failed");
        outer.addSuppressed(new SQLException("Deadlock", "40001", 1213));
        assertEquals(FailureKind.CONFLICT, FailureClassifier.classify(outer));
        var batch = new SQLException("batch failed");
        batch.setNextException(new SQLException("lost", "08S01", 2013));
        assertEquals(FailureKind.UNAVAILABLE, FailureClassifier.classify(batch));
    }

    @Test
    void aTwinCreateOnTheIdempotencyKeyIsADuplicateToLookUp() {
        var twin = new SQLIntegrityConstraintViolationException(
                "Duplicate entry 'k:abc' for key 'uk_message_idempotency_key'", "23000", 1062);
        assertEquals(FailureKind.DUPLICATE_KEY, FailureClassifier.classify(wrapped(twin)));
    }

    @Test
    void constraintViolationsAndBadInputAreNeverRetried() {
        var otherKey = new SQLIntegrityConstraintViolationException("Duplicate entry '7' for key 'PRIMARY'", "23000", 1062);
        assertEquals(FailureKind.PERMANENT, FailureClassifier.classify(wrapped(otherKey)));
        var nullColumn = new SQLIntegrityConstraintViolationException("Column 'subject' cannot be null", "23000", 1048);
        assertEquals(FailureKind.PERMANENT, FailureClassifier.classify(wrapped(nullColumn)));
        var badValue = new SQLException("Incorrect string value: '\\xF0' for column 'body'", "22007", 1366);
        assertEquals(FailureKind.PERMANENT, FailureClassifier.classify(wrapped(badValue)));
        var syntax = new SQLSyntaxErrorException("You have an error in your SQL syntax", "42000", 1064);
        assertEquals(FailureKind.PERMANENT, FailureClassifier.classify(wrapped(syntax)));
        var denied = new SQLException("Access denied for user 'messages'", "28000", 1045);
        assertEquals(FailureKind.PERMANENT, FailureClassifier.classify(wrapped(denied)));
        var unknownTable = new SQLSyntaxErrorException("Table 'messages.message' doesn't exist", "42S02", 1146);
        assertEquals(FailureKind.PERMANENT, FailureClassifier.classify(wrapped(unknownTable)));
    }

    @Test
    void readOnlyAndNonPrimaryNodesAreUnavailable() {
        var readOnly = new SQLException("The MariaDB server is running with the --read-only option", "HY000", 1290);
        assertEquals(FailureKind.UNAVAILABLE, FailureClassifier.classify(wrapped(readOnly)));
        var readOnlyTx = new SQLException("Cannot execute statement in a READ ONLY transaction", "25006", 1792);
        assertEquals(FailureKind.UNAVAILABLE, FailureClassifier.classify(wrapped(readOnlyTx)));
        var nonPrimary = new SQLException("WSREP has not yet prepared node for application use", "08S01", 1047);
        assertEquals(FailureKind.UNAVAILABLE, FailureClassifier.classify(wrapped(nonPrimary)));
    }

    @Test
    void lostConnectionsInTheirManyShapesAreUnavailable() {
        assertEquals(FailureKind.UNAVAILABLE, FailureClassifier.classify(wrapped(new SQLException("MySQL server has gone away", "HY000", 2006))));
        assertEquals(FailureKind.UNAVAILABLE, FailureClassifier.classify(wrapped(new SQLException("Lost connection to server during query", "HY000", 2013))));
        assertEquals(FailureKind.UNAVAILABLE, FailureClassifier.classify(wrapped(new SQLException("Connection was killed", "70100", 1927))));
        assertEquals(FailureKind.UNAVAILABLE, FailureClassifier.classify(wrapped(new SQLException("Server shutdown in progress", "08S01", 1053))));
        assertEquals(FailureKind.UNAVAILABLE, FailureClassifier.classify(wrapped(new SQLException("Got error 6 during COMMIT", "HY000", 1180))));
        assertEquals(FailureKind.UNAVAILABLE, FailureClassifier.classify(wrapped(new java.net.SocketException("Connection reset"))));
        assertEquals(FailureKind.UNAVAILABLE, FailureClassifier.classify(wrapped(new java.net.SocketException("Broken pipe"))));
        assertEquals(FailureKind.UNAVAILABLE, FailureClassifier.classify(wrapped(new java.net.SocketTimeoutException("Read timed out"))));
        assertEquals(FailureKind.UNAVAILABLE, FailureClassifier.classify(wrapped(new java.io.EOFException("Can not read response from server"))));
        assertEquals(FailureKind.UNAVAILABLE, FailureClassifier.classify(wrapped(new SQLException("I/O error: connection reset by peer"))));
    }

    @Test
    void theLogFieldsNameTheCause() {
        var lost = new SQLException("Communications link failure", "08S01", 0, new java.net.SocketTimeoutException("Read timed out"));
        assertEquals("cause=SocketTimeoutException sql_state=08S01 error_code=0", GaleraRetry.causeFields(wrapped(lost)));
        assertEquals("cause=IllegalArgumentException sql_state=- error_code=-", GaleraRetry.causeFields(new IllegalArgumentException("x")));
    }

    @Test
    void otherErrorsArePermanentAndNotRetried() {
        assertEquals(FailureKind.PERMANENT,
                FailureClassifier.classify(wrapped(new SQLException("Data too long", "22001", 1406))));
        assertEquals(FailureKind.PERMANENT, FailureClassifier.classify(new IllegalArgumentException("bug")));
        assertEquals(false, FailureKind.PERMANENT.retryable());
    }

    @Test
    void causeCyclesEnd() {
        var a = new RuntimeException("a");
        var b = new RuntimeException("b", a);
        a.initCause(b);
        assertEquals(FailureKind.PERMANENT, FailureClassifier.classify(a));
        assertEquals("cause=RuntimeException sql_state=- error_code=-", GaleraRetry.causeFields(a));
    }
}
