package io.messagestack.chaos.analysis;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DatabaseCountsTest {
    @Test
    void likeWildcardsInTheRunIdAreEscaped() {
        assertEquals("chaos-run\\_1-", DatabaseCounts.likeEscape("chaos-run_1-"));
        assertEquals("a\\%b\\\\", DatabaseCounts.likeEscape("a%b\\"));
    }

    @Test
    void driverMessagesAreCutToTheirFirstLine() {
        assertEquals("Communications link failure", DatabaseCounts.firstLine(new java.sql.SQLException(
                "Communications link failure\n\nThe last packet sent successfully to the server was 0 milliseconds ago.")));
    }

    @Test
    void tableNameMustBeAnIdentifier() {
        assertThrows(IllegalArgumentException.class, () -> DatabaseCounts.rowsBySubject("jdbc:mysql://127.0.0.1:1/x",
                "u", "p", "message; DROP TABLE message", "chaos-x-", Duration.ZERO));
    }
}
