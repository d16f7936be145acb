package io.messagestack.api.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.messagestack.api.http.InvalidRequestException;

class PagingTest {

    @Test
    void absentMeansEverything() {
        assertEquals(new Paging(0, null), Paging.parse(null, null));
        assertEquals(new Paging(0, null), Paging.parse("", ""));
    }

    @Test
    void parsesBoth() {
        assertEquals(new Paging(5, 10), Paging.parse("10", "5"));
    }

    @Test
    void namesEveryBadParameter() {
        var e = assertThrows(InvalidRequestException.class, () -> Paging.parse("x", "-2"));
        assertEquals(List.of("limit", "offset"), e.errors().stream().map(f -> f.field()).toList());
        assertThrows(InvalidRequestException.class, () -> Paging.parse("0", null));
        assertThrows(InvalidRequestException.class, () -> Paging.parse(Integer.toString(Paging.MAX_LIMIT + 1), null));
    }
}
