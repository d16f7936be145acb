package io.messagestack.operator.database;

import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.messagestack.operator.database.DatabaseScaling.Current;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatabaseScalingTest {
    private static Current settled(int n) {
        return new Current(n, n, n, true);
    }

    @Test
    void aNewStatefulSetStartsWithThreeNodesAtMostAndTheOthersJoinOneAtATime() {
        // desired, highest ordinal of a kept data volume (-1: none), replicas of the new StatefulSet
        int[][] rows = {
                {1, -1, 1}, // the unsafe single node
                {3, -1, 3},
                {5, -1, 3},
                {9, -1, 3}, // the maximum: 3 first, not 9 pods and 9 volumes at once
                {9, 1, 3},
                {9, 4, 5}, // a stack re-created on 5 kept volumes: all of them start, for a full-crash recovery
                {5, 8, 5}, // kept volumes beyond the spec stay unused
                {3, 6, 3},
        };
        for (int[] row : rows) {
            var step = DatabaseScaling.first(row[0], row[1]);
            assertEquals(row[2], step.replicas(), "desired " + row[0] + ", kept ordinal " + row[1]);
            assertEquals(row[2] == row[0], step.atTarget());
            assertFalse(step.stepped(), "no step event for the first size");
        }
        assertEquals(3, DatabaseScaling.next(9, null).replicas());
        assertEquals("scaling the database to 9 nodes, adding one at a time: 3 now, a new database starts with 3"
                + " nodes; the others join one at a time once all are Ready", DatabaseScaling.first(9, -1).describe());
        assertEquals(4, DatabaseScaling.next(9, settled(3)).replicas(), "then one at a time");
    }

    @Test
    void scalingUpAddsOneNodeAtATimeOnceAllAreReady() {
        var step = DatabaseScaling.next(5, settled(3));
        assertEquals(4, step.replicas());
        assertTrue(step.stepped());
        assertNull(step.waiting());
        assertEquals("scaling the database to 5 nodes, adding one at a time: 3 -> 4", step.describe());
        assertEquals(5, DatabaseScaling.next(5, settled(4)).replicas());
    }

    @Test
    void scalingUpWaitsWhileTheNewNodeJoins() {
        var step = DatabaseScaling.next(5, new Current(4, 4, 3, true));
        assertEquals(4, step.replicas());
        assertFalse(step.stepped());
        assertTrue(step.waiting().contains("all 4 nodes to be Ready (3 are)"), step.waiting());
        assertEquals(4, DatabaseScaling.next(5, new Current(4, 3, 3, true)).replicas(), "pod not created yet");
        assertEquals(4, DatabaseScaling.next(5, new Current(4, 4, 4, false)).replicas(), "status of an older spec");
    }

    @Test
    void scalingDownRemovesOneNodeAtATime() {
        assertEquals(4, DatabaseScaling.next(3, settled(5)).replicas());
        var waiting = DatabaseScaling.next(3, new Current(4, 5, 4, true));
        assertEquals(4, waiting.replicas());
        assertTrue(waiting.waiting().contains("removed node's pod to stop"), waiting.waiting());
        assertEquals(3, DatabaseScaling.next(3, settled(4)).replicas());
        assertTrue(DatabaseScaling.next(3, settled(3)).atTarget());
    }

    @Test
    void scalingDownToleratesOneBrokenNodeButNotTwo() {
        assertEquals(4, DatabaseScaling.next(3, new Current(5, 5, 4, true)).replicas());
        assertEquals(5, DatabaseScaling.next(3, new Current(5, 5, 3, true)).replicas());
    }

    @Test
    void currentIsReadFromTheStatefulSet() {
        var sts = new StatefulSetBuilder().withNewMetadata().withGeneration(7L).endMetadata()
                .withNewSpec().withReplicas(3).endSpec()
                .withNewStatus().withObservedGeneration(7L).withReplicas(3).withReadyReplicas(2).endStatus().build();
        assertEquals(new Current(3, 3, 2, true), Current.of(sts));
        sts.getStatus().setObservedGeneration(6L);
        assertFalse(Current.of(sts).observed());
        sts.setStatus(null);
        assertEquals(new Current(3, 0, 0, false), Current.of(sts));
    }
}
