package io.messagestack.operator.reconcile;

import io.fabric8.kubernetes.api.model.Condition;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ConditionsTest {
    @Test
    void transitionTimeChangesOnlyWhenTheStatusFlips() {
        List<Condition> c = Conditions.set(List.of(), "Ready", false, "Creating", "m", 1, "T1");
        c = Conditions.set(c, "Ready", false, "StillCreating", "m2", 2, "T2");
        assertEquals("T1", Conditions.find(c, "Ready").getLastTransitionTime());
        assertEquals("StillCreating", Conditions.find(c, "Ready").getReason());
        assertEquals(2L, Conditions.find(c, "Ready").getObservedGeneration());
        c = Conditions.set(c, "Ready", true, "AllComponentsReady", "ok", 2, "T3");
        assertEquals("T3", Conditions.find(c, "Ready").getLastTransitionTime());
        assertEquals(1, c.size());
    }
}
