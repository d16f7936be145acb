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

    /** The longest window, or null when nothing failed. */
    public static Window longest(List<Window> windows) {
        return windows.stream().max(Comparator.comparingLong(Window::durationMs)).orElse(null);
    }
}
