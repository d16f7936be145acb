package io.messagestack.chaos.analysis;

import java.util.Collection;

/** Latency percentiles by the nearest-rank method (no interpolation: every value reported was observed). */
public final class LatencyStats {
    private LatencyStats() {
    }

    /** count 0 means no request; the percentiles are then 0. All values in milliseconds. */
    public record Summary(int count, double p50, double p99, double max) {
        public static final Summary EMPTY = new Summary(0, 0, 0, 0);
    }

    public static Summary of(Collection<Double> latenciesMs) {
        if (latenciesMs.isEmpty()) {
            return Summary.EMPTY;
        }
        double[] sorted = latenciesMs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new Summary(sorted.length, percentile(sorted, 50), percentile(sorted, 99), sorted[sorted.length - 1]);
    }

    /** Nearest rank: the smallest value with at least p% of the values at or below it. */
    public static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        if (p <= 0) {
            return sorted[0];
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
    }
}
