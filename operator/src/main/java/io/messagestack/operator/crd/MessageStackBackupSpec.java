package io.messagestack.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.messagestack.operator.common.SpecLimits;

public class MessageStackBackupSpec {
    @JsonPropertyDescription("The MessageStack in this namespace to back up. Cannot change.")
    @Required
    @ValidationRule(value = "self.size() <= " + SpecLimits.NAME_MAX_LENGTH + " && self.matches('"
            + SpecLimits.NAME_PATTERN + "')", reason = "FieldValueInvalid",
            message = "spec.stack must be a MessageStack name: at most " + SpecLimits.NAME_MAX_LENGTH
                    + " characters of a-z, 0-9 and '-', starting with a letter")
    @ValidationRule(value = "self == oldSelf", reason = "FieldValueForbidden",
            message = "spec.stack cannot change: a backup belongs to one stack")
    public String stack;
}
