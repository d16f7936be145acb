package io.messagestack.api.database;

import java.io.EOFException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Set;

import javax.transaction.xa.XAException;

/**
 * Decides from an exception's cause chain whether a failed transaction may run again.
 * Pure function: the codes are MariaDB/MySQL server errors as Galera reports them.
 */
public final class FailureClassifier {

    static final int ER_DUP_ENTRY = 1062;
    static final int ER_LOCK_WAIT_TIMEOUT = 1205;
    /** Galera reports a certification failure as a deadlock. */
    static final int ER_LOCK_DEADLOCK = 1213;
    /** "WSREP has not yet prepared node for application use" (node joining, donor or non-Primary). */
    static final int ER_UNKNOWN_COM_ERROR = 1047;
    static final int ER_SERVER_SHUTDOWN = 1053;
    static final int ER_CONNECTION_KILLED = 1927;
    static final int CR_SERVER_GONE_ERROR = 2006;
    static final int CR_SERVER_LOST = 2013;

    private FailureClassifier() {
    }

    public static FailureKind classify(Throwable failure) {
        boolean commitOutcomeUnknown = false;
        for (Throwable t : causesOf(failure)) {
            FailureKind kind = classifyOne(t);
            if (kind != null) {
                return kind;
            }
            // The transaction manager reports a failed commit without always keeping the
            // SQLException behind it; the commit may or may not have happened.
            String name = t.getClass().getName();
            if (name.equals("jakarta.transaction.RollbackException")
                    || name.equals("jakarta.transaction.HeuristicMixedException")
                    || name.equals("jakarta.transaction.HeuristicRollbackException")) {
                commitOutcomeUnknown = true;
            }
        }
        return commitOutcomeUnknown ? FailureKind.UNAVAILABLE : FailureKind.PERMANENT;
    }

    private static FailureKind classifyOne(Throwable t) {
        if (t instanceof SQLException sql) {
            int code = sql.getErrorCode();
            String state = sql.getSQLState() == null ? "" : sql.getSQLState();
            if (code == ER_LOCK_DEADLOCK || code == ER_LOCK_WAIT_TIMEOUT || state.equals("40001")) {
                return FailureKind.CONFLICT;
            }
            if (code == ER_DUP_ENTRY) {
                return FailureKind.DUPLICATE_KEY;
            }
            if (code == ER_UNKNOWN_COM_ERROR || code == ER_SERVER_SHUTDOWN || code == ER_CONNECTION_KILLED
                    || code == CR_SERVER_GONE_ERROR || code == CR_SERVER_LOST || state.startsWith("08")
                    || sql instanceof SQLTransientConnectionException
                    || sql instanceof SQLNonTransientConnectionException) {
                return FailureKind.UNAVAILABLE;
            }
            // Agroal reports with plain SQLExceptions that it gave up waiting for a connection, or
            // that a pooled connection (cut by HAProxy) failed as it joined the transaction.
            String message = sql.getMessage() == null ? "" : sql.getMessage().toLowerCase();
            if (message.contains("acquisition timeout") || message.contains("communications link failure")
                    || message.contains("failed to enlist")
                    || message.contains("association of connection to existing transaction")) {
                return FailureKind.UNAVAILABLE;
            }
        }
        if (t instanceof XAException xa) {
            if (xa.errorCode == XAException.XA_RBDEADLOCK) {
                return FailureKind.CONFLICT;
            }
            if (xa.errorCode == XAException.XAER_RMFAIL || xa.errorCode == XAException.XA_RBCOMMFAIL) {
                return FailureKind.UNAVAILABLE;
            }
        }
        if (t instanceof SocketException || t instanceof SocketTimeoutException
                || t instanceof ConnectException || t instanceof EOFException) {
            return FailureKind.UNAVAILABLE;
        }
        return null;
    }

    /** The exception, its causes and suppressed exceptions, outermost first, each once. */
    static Iterable<Throwable> causesOf(Throwable failure) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Throwable> todo = new ArrayDeque<>();
        java.util.List<Throwable> ordered = new java.util.ArrayList<>();
        todo.add(failure);
        while (!todo.isEmpty()) {
            Throwable t = todo.poll();
            if (t == null || !seen.add(t)) {
                continue;
            }
            ordered.add(t);
            if (t.getCause() != null) {
                todo.add(t.getCause());
            }
            if (t instanceof SQLException sql && sql.getNextException() != null) {
                todo.add(sql.getNextException());
            }
            Collections.addAll(todo, t.getSuppressed());
        }
        return ordered;
    }
}
