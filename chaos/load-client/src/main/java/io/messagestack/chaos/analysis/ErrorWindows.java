package io.messagestack.chaos.analysis;

import io.messagestack.chaos.record.RequestRecord;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Periods during which the client saw errors. Requests are taken in the order they were sent; a window
 * opens at the start of a failed request, stretches to the end of every failed request that follows,
 * and closes at the first successful request sent after it. So a lone request that timed out after
 * 2 s makes a 2 s window: that is how long the user waited for the error.
 */
public final class ErrorWindows {
    private ErrorWindows() {
    }

    public record Window(long startMs, long endMs, int failedRequests) {
        public long durationMs() {
            return endMs - startMs;
        }
    }

    public static List<Window> of(List<RequestRecord> records) {
        List<RequestRecord> byStart = new ArrayList<>(records);
        byStart.sort(Comparator.comparingLong(RequestRecord::startMs));
        List<Window> windows = new ArrayList<>();
        long start = -1;
        long end = -1;
        int failed = 0;
        for (RequestRecord r : byStart) {
            if (!r.ok()) {
                if (failed == 0) {
                    start = r.startMs();
                    end = r.endMs();
                } else {
                    end = Math.max(end, r.endMs());
                }
                failed++;
            } else if (failed > 0) {
                windows.add(new Window(start, end, failed));
                failed = 0;
            }
        }
        if (failed > 0) {
            windows.add(new Window(start, end, failed));
        }
        return windows;
    }

    /**
     * From the send of the first failed request to the end (answer or timeout) of the last one, whatever
     * succeeded in between: how long the fault troubled this client. Unlike the longest window, a success
     * between two failures does not shorten it.
     */
    public record Span(long firstFailedStartMs, long lastFailedEndMs, int failedRequests) {
        public long durationMs() {
            return lastFailedEndMs - firstFailedStartMs;
        }
    }

    /** The span of all failed requests, or null when nothing failed. */
    public static Span span(List<RequestRecord> records) {
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        int failed = 0;
        for (RequestRecord r : records) {
            if (!r.ok()) {
                first = Math.min(first, r.startMs());
                last = Math.max(last, r.endMs());
                failed++;
            }
        }
        return failed == 0 ? null : new Span(first, last, failed);
    }

    /** The longest window, or null when nothing failed. */
    public static Window longest(List<Window> windows) {
        return windows.stream().max(Comparator.comparingLong(Window::durationMs)).orElse(null);
    }
}
