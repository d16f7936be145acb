package io.messagestack.operator.reconcile;

import io.messagestack.operator.crd.GaleraStatus;

import java.util.List;

/**
 * What the operator saw of one stack in this reconcile: ready/desired counts, the Galera state, the problems
 * found, and whether each component's objects exist yet. Input of {@link StatusCalculator}.
 */
public record Observed(int dbReady, int dbDesired, int proxyReady, int proxyDesired, int apiReady, int apiDesired,
                       boolean apiCreated, int frontendReady, int frontendDesired, GaleraStatus galera, String url,
                       List<Problem> problems) {
}
