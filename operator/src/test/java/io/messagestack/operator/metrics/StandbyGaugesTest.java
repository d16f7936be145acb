package io.messagestack.operator.metrics;

import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.messagestack.operator.crd.MessageStack;
import io.messagestack.operator.crd.MessageStackSpec;
import io.messagestack.operator.crd.MessageStackStatus;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StandbyGaugesTest {
    @Test
    void readyAndDesiredSizeFromTheStatusTheLeaderKept() {
        Optional<Instant> backup = Optional.of(Instant.parse("2026-12-07T10:00:00Z"));
        assertEquals(Optional.of(new StackMetrics.Observation(true, 5, backup)),
                StandbyGauges.observe(stack(5, "True"), backup));
        assertEquals(Optional.of(new StackMetrics.Observation(false, 3, Optional.empty())),
                StandbyGauges.observe(stack(3, "False"), Optional.empty()));
        assertEquals(Optional.empty(), StandbyGauges.observe(stack(3, null), backup), "no Ready condition yet: no row");
    }

    private static MessageStack stack(int replicas, String ready) {
        MessageStack s = new MessageStack();
        s.setSpec(new MessageStackSpec());
        s.getSpec().database.replicas = replicas;
        s.setStatus(new MessageStackStatus());
        if (ready != null) {
            s.getStatus().conditions.add(new ConditionBuilder().withType("Ready").withStatus(ready).build());
        }
        return s;
    }
}
