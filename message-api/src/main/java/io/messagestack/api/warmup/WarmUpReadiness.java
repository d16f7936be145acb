package io.messagestack.api.warmup;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** DOWN until the start-up warm-up is done (or its time budget is spent): see {@link WarmUp}. */
@Readiness
@ApplicationScoped
public class WarmUpReadiness implements HealthCheck {

    private final WarmUp warmUp;

    WarmUpReadiness(WarmUp warmUp) {
        this.warmUp = warmUp;
    }

    @Override
    public HealthCheckResponse call() {
        WarmUp.Status status = warmUp.status();
        return HealthCheckResponse.named("warm-up")
                .status(status.ready())
                .withData("warm-up", status.detail())
                .withData("rounds", status.rounds())
                .withData("elapsedMs", status.elapsedMs())
                .build();
    }
}
