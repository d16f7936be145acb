package io.messagestack.chaos.analysis;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a scenario script recorded about its fault (written with jq by chaos/lib.sh).
 *
 * @param kind         which targets apply, see {@code report.Targets}
 * @param faultStartMs when the injection began (epoch ms)
 * @param faultEndMs   when the fault was over: the injection returned, or the heal/restore was done
 * @param readyAtMs    when the MessageStack was Ready again and all its pods ready; null if it never was
 * @param measurements scenario-specific numbers, e.g. {@code vipMoveMs}, {@code isolatedNodeRefusedWrite}
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record FaultEvents(
        String scenario,
        String kind,
        String description,
        String environment,
        long faultStartMs,
        long faultEndMs,
        Long readyAtMs,
        Map<String, Object> measurements,
        List<String> notes) {

    public FaultEvents {
        measurements = measurements == null ? Map.of() : Map.copyOf(measurements);
        notes = notes == null ? List.of() : List.copyOf(notes);
        if (scenario == null || scenario.isBlank()) {
            throw new IllegalArgumentException("events file: field 'scenario' is missing");
        }
        if (kind == null || kind.isBlank()) {
            throw new IllegalArgumentException("events file: field 'kind' is missing");
        }
        if (faultStartMs <= 0 || faultEndMs < faultStartMs) {
            throw new IllegalArgumentException("events file: faultStartMs/faultEndMs missing or out of order ("
                    + faultStartMs + ", " + faultEndMs + ")");
        }
    }

    /** End of the disturbed period for latency statistics: Ready again (or the heal, if later); never Ready: no end. */
    public long disturbedUntilMs() {
        return readyAtMs != null ? Math.max(readyAtMs, faultEndMs) : Long.MAX_VALUE;
    }

    /**
     * The fault window every "during the fault" number uses: requests sent from the injection
     * ({@code faultStartMs}) until Ready again or the heal, whichever is later ({@link #disturbedUntilMs}).
     */
    public boolean inFaultWindow(long sentAtMs) {
        return sentAtMs >= faultStartMs && sentAtMs <= disturbedUntilMs();
    }

    public static FaultEvents read(Path file) throws IOException {
        return new ObjectMapper().readValue(file.toFile(), FaultEvents.class);
    }
}
