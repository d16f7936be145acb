package io.messagestack.chaos.analysis;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LatencyStatsTest {

    @Test
    void nearestRankPercentilesOfOneToHundred() {
        List<Double> values = new ArrayList<>();
        for (int i = 100; i >= 1; i--) {
            values.add((double) i);
        }
        LatencyStats.Summary s = LatencyStats.of(values);
        assertEquals(100, s.count());
        assertEquals(50, s.p50());
        assertEquals(99, s.p99());
        assertEquals(100, s.max());
    }

    @Test
    void oneSlowRequestInTenIsTheP99() {
        List<Double> values = new ArrayList<>(List.of(1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2000.0));
        LatencyStats.Summary s = LatencyStats.of(values);
        assertEquals(1.0, s.p50());
        assertEquals(2000.0, s.p99());
    }

    @Test
    void emptyGivesZeros() {
        assertEquals(LatencyStats.Summary.EMPTY, LatencyStats.of(List.of()));
    }

    @Test
    void singleValue() {
        LatencyStats.Summary s = LatencyStats.of(List.of(7.5));
        assertEquals(7.5, s.p50());
        assertEquals(7.5, s.p99());
    }
}
