package io.messagestack.api.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.messagestack.api.http.InvalidRequestException;

class PagingTest {

    static List<String> badFields(String limit, String offset, String after, String before, String ordering) {
        var e = assertThrows(InvalidRequestException.class, () -> Paging.parse(limit, offset, after, before, ordering));
        return e.errors().stream().map(f -> f.field()).toList();
    }

    @Test
    void absentMeansEverythingByPkStreamed() {
        assertEquals(Paging.ALL, Paging.parse(null, null));
        assertEquals(Paging.ALL, Paging.parse("", "", "", "", ""));
        assertFalse(Paging.ALL.bounded());
    }

    @Test
    void parsesEveryParameter() {
        assertEquals(new Paging(5, 10, null, null, false), Paging.parse("10", "5"));
        assertEquals(new Paging(0, 20, 7L, 99L, true), Paging.parse("20", null, "7", "99", "-pk"));
        assertEquals(new Paging(0, null, null, null, false), Paging.parse(null, null, null, null, "pk"));
        assertTrue(Paging.parse("1000", "100000").bounded());
        assertEquals(Long.MAX_VALUE, Paging.parse(null, null, Long.toString(Long.MAX_VALUE), null, null).afterId());
    }

    @Test
    void namesEveryBadParameter() {
        assertEquals(List.of("limit", "offset"), badFields("x", "-2", null, null, null));
        assertEquals(List.of("after_id", "before_id", "ordering"), badFields(null, null, "-1", "0", "subject"));
    }

    @Test
    void refusesNegativeHugeAndNonNumericValues() {
        for (String bad : List.of("0", "1001", "-1", "1e3", " 5", "+5", "5.0", "ten", "99999999999999999999999", "0x10")) {
            assertEquals(List.of("limit"), badFields(bad, null, null, null, null), bad);
        }
        for (String bad : List.of("-1", "100001", "2147483648", "abc", "9223372036854775808")) {
            assertEquals(List.of("offset"), badFields(null, bad, null, null, null), bad);
        }
        for (String bad : List.of("-5", "x", "9223372036854775808", "1.5")) {
            assertEquals(List.of("after_id"), badFields(null, null, bad, null, null), bad);
            assertEquals(List.of("before_id"), badFields(null, null, null, bad, null), bad);
        }
    }

    @Test
    void chunkSizeFollowsTheRowSizeWithinBounds() {
        Instant now = Instant.now();
        List<MessageRow> small = Collections.nCopies(100, new MessageRow(1, "s", "b".repeat(99), now));
        assertEquals(MessageListStream.MAX_CHUNK_ROWS, MessageListStream.nextChunkRows(small));
        List<MessageRow> medium = Collections.nCopies(10, new MessageRow(1, "s".repeat(24), "b".repeat(1_000), now));
        assertEquals(MessageListStream.CHUNK_CHARS / 1_024, MessageListStream.nextChunkRows(medium));
        List<MessageRow> large = Collections.nCopies(10, new MessageRow(1, "s".repeat(200), "b".repeat(10_000), now));
        assertEquals(Math.max(MessageListStream.MIN_CHUNK_ROWS, MessageListStream.CHUNK_CHARS / 10_200),
                MessageListStream.nextChunkRows(large));
        List<MessageRow> huge = Collections.nCopies(10, new MessageRow(1, "s", "b".repeat(1_000_000), now));
        assertEquals(MessageListStream.MIN_CHUNK_ROWS, MessageListStream.nextChunkRows(huge));
        assertEquals(MessageListStream.FIRST_CHUNK_ROWS, MessageListStream.nextChunkRows(List.of()));
    }
}
