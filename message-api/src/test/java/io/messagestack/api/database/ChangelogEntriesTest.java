package io.messagestack.api.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

class ChangelogEntriesTest {

    @Test
    void theProductsChangelogDeclaresItsChangeSetsInOrder() {
        List<String> declared = ChangelogEntries.declared("db/changelog/db.changelog-master.xml");
        assertEquals("messagestack:001-create-message", declared.get(0));
    }

    @Test
    void includesAndChangeSetsAreReadInOrder() {
        String master = "<databaseChangeLog>\n  <include file=\"a.sql\"/>\n  <include   file=\"b.sql\" relativeToChangelogFile=\"false\"/>\n</databaseChangeLog>";
        assertEquals(List.of("a.sql", "b.sql"), ChangelogEntries.includes(master));
        String sql = "--liquibase formatted sql\n\n--changeset alice:1\nCREATE TABLE t (id INT);\n"
                + "-- a comment mentioning --changeset x:y is not one\n--changeset bob:two runOnChange:true\nALTER TABLE t ADD c INT;\n";
        assertEquals(List.of("alice:1", "bob:two"), ChangelogEntries.changeSets(sql));
    }

    @Test
    void missingIsWhatTheTableDoesNotRecord() {
        List<String> declared = List.of("a:1", "a:2", "b:3");
        assertEquals(Set.of(), ChangelogEntries.missing(declared, Set.of("a:1", "a:2", "b:3", "old:0")));
        assertEquals(Set.of("a:2"), ChangelogEntries.missing(declared, Set.of("a:1", "b:3")));
        assertEquals(Set.copyOf(declared), ChangelogEntries.missing(declared, Set.of()));
        // the same id by another author is another change set
        assertEquals(Set.of("b:3"), ChangelogEntries.missing(declared, Set.of("a:1", "a:2", "c:3")));
    }

    @Test
    void aMissingFileIsAnErrorNotAnEmptySchema() {
        assertThrows(IllegalStateException.class, () -> ChangelogEntries.declared("db/changelog/nope.xml"));
    }
}
