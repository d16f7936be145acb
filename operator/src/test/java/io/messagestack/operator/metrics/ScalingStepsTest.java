package io.messagestack.operator.metrics;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ScalingStepsTest {
    private static final StackMetrics.Key DEMO = new StackMetrics.Key("messagestack", "demo");
    private static final Instant T0 = Instant.parse("2026-12-06T17:00:00Z");

    @Test
    void eachStepEndsWhenItsNodesAreReady() {
        ScalingSteps steps = new ScalingSteps();
        assertEquals(Optional.empty(), steps.update(DEMO, 3, 3, T0), "first sight: not a step");
        assertEquals(Optional.empty(), steps.update(DEMO, 4, 3, T0.plusSeconds(1)), "3 -> 4 applied");
        assertEquals(Optional.empty(), steps.update(DEMO, 4, 3, T0.plusSeconds(30)), "joining (SST)");
        Optional<ScalingSteps.Step> up = steps.update(DEMO, 4, 4, T0.plusSeconds(41));
        assertEquals(Optional.of(new ScalingSteps.Step(3, 4, Duration.ofSeconds(40))), up);
        assertEquals("up", up.get().direction());
        assertEquals(Optional.empty(), steps.update(DEMO, 5, 4, T0.plusSeconds(42)), "4 -> 5 applied");
        assertEquals(Optional.of(new ScalingSteps.Step(4, 5, Duration.ofSeconds(25))),
                steps.update(DEMO, 5, 5, T0.plusSeconds(67)));
        assertEquals(Optional.empty(), steps.update(DEMO, 5, 5, T0.plusSeconds(80)), "at target: nothing more");
    }

    @Test
    void aScaleDownStepEndsWhenTheRemainingNodesAreReady() {
        ScalingSteps steps = new ScalingSteps();
        steps.update(DEMO, 5, 5, T0);
        steps.update(DEMO, 4, 5, T0.plusSeconds(1)); // the pod is still terminating
        Optional<ScalingSteps.Step> down = steps.update(DEMO, 4, 4, T0.plusSeconds(11));
        assertEquals(Optional.of(new ScalingSteps.Step(5, 4, Duration.ofSeconds(10))), down);
        assertEquals("down", down.get().direction());
    }

    @Test
    void aPodLossWithoutAStepIsNotAStep() {
        ScalingSteps steps = new ScalingSteps();
        steps.update(DEMO, 3, 3, T0);
        assertEquals(Optional.empty(), steps.update(DEMO, 3, 2, T0.plusSeconds(5)));
        assertEquals(Optional.empty(), steps.update(DEMO, 3, 3, T0.plusSeconds(50)));
    }
}
