package io.messagestack.operator.reconcile;

import io.messagestack.operator.crd.GaleraStatus;
import io.messagestack.operator.crd.WriterStatus;

import java.util.List;

/**
 * What the operator saw of one stack in this reconcile: ready/desired counts, the Galera state, the problems
 * found, whether each component's objects exist yet, and HAProxy's writer (null: not known in this reconcile, the
 * status keeps the last one). Input of {@link StatusCalculator}.
 */
public record Observed(int dbReady, int dbDesired, int proxyReady, int proxyDesired, int apiReady, int apiDesired,
                       boolean apiCreated, int frontendReady, int frontendDesired, GaleraStatus galera, String url,
                       List<Problem> problems, WriterStatus writer) {
    public Observed(int dbReady, int dbDesired, int proxyReady, int proxyDesired, int apiReady, int apiDesired,
                    boolean apiCreated, int frontendReady, int frontendDesired, GaleraStatus galera, String url,
                    List<Problem> problems) {
        this(dbReady, dbDesired, proxyReady, proxyDesired, apiReady, apiDesired, apiCreated, frontendReady,
                frontendDesired, galera, url, problems, null);
    }
}
