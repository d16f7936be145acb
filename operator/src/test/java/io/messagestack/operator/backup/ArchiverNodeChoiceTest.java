package io.messagestack.operator.backup;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ArchiverNodeChoiceTest {
    private static ArchiverNodeChoice.Node n(int ordinal, boolean ready) {
        return new ArchiverNodeChoice.Node("shop-db-" + ordinal, ordinal, ready);
    }

    record Row(String name, List<ArchiverNodeChoice.Node> nodes, String current, String writer, String want,
               boolean moved) {
    }

    @Test
    void eachRowFollowsTheExpectedNode() {
        List<Row> rows = List.of(
                new Row("first choice: the highest Synced node that is not the writer",
                        List.of(n(0, true), n(1, true), n(2, true)), null, "shop-db-0", "shop-db-2", false),
                new Row("the writer moved to 2 by a switchover: 1", List.of(n(0, true), n(1, true), n(2, true)),
                        null, "shop-db-2", "shop-db-1", false),
                new Row("stays on its node while it is Synced, even on the writer's (a move is a restart)",
                        List.of(n(0, true), n(1, true), n(2, true)), "shop-db-0", "shop-db-0", "shop-db-0", false),
                new Row("its node is not Synced: moves to another one", List.of(n(0, true), n(1, true), n(2, false)),
                        "shop-db-2", "shop-db-0", "shop-db-1", true),
                new Row("only the writer is Synced: follows the writer", List.of(n(0, true), n(1, false), n(2, false)),
                        "shop-db-2", "shop-db-0", "shop-db-0", true),
                new Row("a writer not Ready counts as not named: the lowest Ready is taken as the writer",
                        List.of(n(0, false), n(1, true), n(2, true)), null, "shop-db-0", "shop-db-2", false),
                new Row("full crash: stays where it is and resumes later", List.of(n(0, false), n(1, false), n(2, false)),
                        "shop-db-1", "shop-db-0", "shop-db-1", false),
                new Row("no node Synced yet and no archiver: none", List.of(n(0, false), n(1, false)), null,
                        "shop-db-0", null, false),
                new Row("single node", List.of(n(0, true)), null, "shop-db-0", "shop-db-0", false));
        for (Row r : rows) {
            ArchiverNodeChoice.Choice c = ArchiverNodeChoice.choose(r.nodes(), r.current(), r.writer());
            assertEquals(Optional.ofNullable(r.want()), c.pod(), r.name() + ": " + c.reason());
            assertEquals(r.moved(), c.moved(), r.name());
        }
    }
}
