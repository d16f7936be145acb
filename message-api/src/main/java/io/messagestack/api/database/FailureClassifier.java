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
    /** "Got error N during COMMIT": the commit's outcome is not known to the client. */
    static final int ER_ERROR_DURING_COMMIT = 1180;
    /** The server runs with --read-only (a node being taken out, a non-writer). */
    static final int ER_OPTION_PREVENTS_STATEMENT = 1290;
    static final int ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION = 1792;
    static final int ER_READ_ONLY_MODE = 1836;
    /** MySQL 8: the server closed an idle connection. */
    static final int ER_CLIENT_INTERACTION_TIMEOUT = 4031;
    /** The one unique key a create may legitimately collide on (db/changelog/001-create-message.sql). */
    static final String IDEMPOTENCY_KEY_CONSTRAINT = "uk_message_idempotency_key";

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
            String message = sql.getMessage() == null ? "" : sql.getMessage().toLowerCase();
            if (code == ER_DUP_ENTRY) {
                // Only a twin create with the same idempotency key is worth another look (the
                // retry finds the winner's row); any other constraint violation is final.
                return message.contains(IDEMPOTENCY_KEY_CONSTRAINT) ? FailureKind.DUPLICATE_KEY : FailureKind.PERMANENT;
            }
            if (state.startsWith("23") || state.startsWith("22") || state.startsWith("42") || state.startsWith("28")) {
                // Constraint violation, bad data, bad SQL, access denied: running it again cannot help.
                return FailureKind.PERMANENT;
            }
            if (code == ER_UNKNOWN_COM_ERROR || code == ER_SERVER_SHUTDOWN || code == ER_CONNECTION_KILLED
                    || code == CR_SERVER_GONE_ERROR || code == CR_SERVER_LOST || code == ER_ERROR_DURING_COMMIT
                    || code == ER_OPTION_PREVENTS_STATEMENT || code == ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
                    || code == ER_READ_ONLY_MODE || code == ER_CLIENT_INTERACTION_TIMEOUT || state.startsWith("08")
                    || sql instanceof SQLTransientConnectionException
                    || sql instanceof SQLNonTransientConnectionException) {
                return FailureKind.UNAVAILABLE;
            }
            // Agroal reports with plain SQLExceptions that it gave up waiting for a connection, or
            // that a pooled connection (cut by HAProxy) failed as it joined the transaction.
            if (message.contains("acquisition timeout") || message.contains("communications link failure")
                    || message.contains("server has gone away") || message.contains("connection reset")
                    || message.contains("broken pipe")
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
