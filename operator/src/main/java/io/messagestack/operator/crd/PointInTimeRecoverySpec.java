package io.messagestack.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.ValidationRule;

/** spec.backup.pointInTimeRecovery: the field exists so the API is complete; archiving is not built yet. */
public class PointInTimeRecoverySpec {
    @JsonPropertyDescription("Archive binary logs continuously for point-in-time recovery. Not built yet: true is"
            + " refused.")
    @Default("false")
    @ValidationRule(value = "!self", reason = "FieldValueForbidden",
            message = "spec.backup.pointInTimeRecovery.enabled: point-in-time recovery is not built yet (issue 14);"
                    + " leave it false")
    public boolean enabled = false;
}
