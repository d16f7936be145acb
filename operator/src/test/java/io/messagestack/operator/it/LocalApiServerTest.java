package io.messagestack.operator.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.LocalTime;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LocalApiServerTest {

    @ParameterizedTest(name = "start at {0}: wait {1} s")
    @CsvSource({
            "00:00:00, 0",
            "12:00:00, 0",
            "23:57:29, 0",
            "23:57:30, 151",
            "23:59:00, 61",
            "23:59:59, 2",
    })
    void waitsUntilTheStartupDeadlineCannotWrapPastMidnight(String now, long seconds) {
        assertEquals(Duration.ofSeconds(seconds), LocalApiServer.waitBeforeStart(LocalTime.parse(now)));
    }
}
