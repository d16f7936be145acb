package io.messagestack.api.database;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * Runs a unit of work in its own transaction and runs it again, a bounded number of times with
 * backoff, when Galera rejects it (certification conflict) or the database path fails (node or
 * HAProxy gone, node not ready). The work must be safe to run twice: see {@link Attempt}.
 */
@ApplicationScoped
public class GaleraRetry {

    private static final Logger LOG = Logger.getLogger(GaleraRetry.class);

    private final RetryConfig config;
    private final MeterRegistry meters;
    private final Backoff backoff;

    GaleraRetry(RetryConfig config, MeterRegistry meters) {
        this.config = config;
        this.meters = meters;
        this.backoff = new Backoff(config.initialBackoff(), config.maxBackoff());
    }

    public <T> T inTransaction(String operation, Function<Attempt, T> work) {
        boolean outcomeUnknown = false;
        for (int number = 1;; number++) {
            Attempt attempt = new Attempt(number, outcomeUnknown);
            try {
                return QuarkusTransaction.requiringNew().call(() -> work.apply(attempt));
            } catch (RuntimeException e) {
                FailureKind kind = FailureClassifier.classify(e);
                if (!kind.retryable()) {
                    throw e;
                }
                meters.counter("messagestack.db.retries", "operation", operation, "reason", kind.name())
                        .increment();
                if (number >= config.maxAttempts()) {
                    LOG.warnf("event=db_retries_exhausted operation=%s attempts=%d reason=%s error=\"%s\"",
                            operation, number, kind, rootMessage(e));
                    throw kind == FailureKind.UNAVAILABLE
                            ? new DatabaseUnavailableException(operation, number, e)
                            : new WriteConflictException(operation, number, e);
                }
                outcomeUnknown |= kind == FailureKind.UNAVAILABLE;
                Duration pause = backoff.pauseAfter(number, ThreadLocalRandom.current()::nextDouble);
                LOG.infof("event=db_retry operation=%s attempt=%d reason=%s pause_ms=%d error=\"%s\"",
                        operation, number, kind, pause.toMillis(), rootMessage(e));
                sleep(pause, operation, number, e);
            }
        }
    }

    private static void sleep(Duration pause, String operation, int attempts, RuntimeException cause) {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new DatabaseUnavailableException(operation, attempts, cause);
        }
    }

    static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getClass().getSimpleName() + ": " + root.getMessage();
        return message.replace('"', '\'').replace('\n', ' ');
    }
}
