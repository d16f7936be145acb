package io.messagestack.api.database;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.ConnectException;
import java.sql.SQLException;
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
    void duplicateKeyIsReported() {
        assertEquals(FailureKind.DUPLICATE_KEY,
                FailureClassifier.classify(wrapped(new SQLException("Duplicate entry", "23000", 1062))));
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
    }
}
