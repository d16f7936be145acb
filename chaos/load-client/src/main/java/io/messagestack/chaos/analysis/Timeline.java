package io.messagestack.chaos.analysis;

import io.messagestack.chaos.record.RequestRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/** Requests grouped into fixed time bins by send time, for the pictures. */
public final class Timeline {
    private Timeline() {
    }

    /** One bin; {@code offsetMs} is from the first request of the run. Latencies in ms. */
    public record Bin(long offsetMs, int ok, int failed, double p50, double p99, double max) {
    }

    public static List<Bin> of(List<RequestRecord> records, long originMs, long binMs) {
        TreeMap<Long, List<RequestRecord>> bins = new TreeMap<>();
        for (RequestRecord r : records) {
            long bin = Math.floorDiv(r.startMs() - originMs, binMs) * binMs;
            bins.computeIfAbsent(bin, b -> new ArrayList<>()).add(r);
        }
        List<Bin> out = new ArrayList<>();
        if (bins.isEmpty()) {
            return out;
        }
        // Empty bins are kept (as zeros) so a stall with no request sent at all is visible.
        for (long t = bins.firstKey(); t <= bins.lastKey(); t += binMs) {
            List<RequestRecord> in = bins.getOrDefault(t, List.of());
            int ok = (int) in.stream().filter(RequestRecord::ok).count();
            LatencyStats.Summary s = LatencyStats.of(in.stream().map(RequestRecord::latencyMs).toList());
            out.add(new Bin(t, ok, in.size() - ok, s.p50(), s.p99(), s.max()));
        }
        return out;
    }
}
