package io.messagestack.chaos.load;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * Why a request got no answer, as the short text the request log and the report group by (the part
 * before the first ':'): {@code connect timeout}, {@code timeout}, {@code refused}, {@code connect failed}, {@code reset},
 * {@code closed}, {@code io} or {@code client error}. A request that could not be sent is a failure
 * with its cause, never dropped.
 */
public final class FailureCause {
    private FailureCause() {
    }

    public static String of(Throwable t) {
        Throwable e = t;
        while ((e instanceof ExecutionException || e instanceof CompletionException) && e.getCause() != null) {
            e = e.getCause();
        }
        String msg = e.getMessage() == null ? "" : e.getMessage();
        String lower = msg.toLowerCase(Locale.ROOT);
        if (e instanceof HttpConnectTimeoutException) {
            return "connect timeout";
        }
        if (e instanceof HttpTimeoutException || e instanceof TimeoutException) {
            return "timeout";
        }
        if (e instanceof ConnectException) {
            return lower.contains("refused") || msg.isEmpty() ? "refused" : "connect failed: " + msg;
        }
        if (lower.contains("reset")) {
            return "reset: " + msg;
        }
        if (e instanceof EOFException || e instanceof ClosedChannelException || lower.contains("no bytes")
                || lower.contains("closed")) {
            return "closed: " + e.getClass().getSimpleName() + (msg.isEmpty() ? "" : " " + msg);
        }
        if (e instanceof IOException) {
            return "io: " + e.getClass().getSimpleName() + (msg.isEmpty() ? "" : " " + msg);
        }
        return "client error: " + e.getClass().getSimpleName() + (msg.isEmpty() ? "" : " " + msg);
    }
}
