package io.messagestack.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.messagestack.operator.common.SpecLimits;

public class StorageSpec {

    @JsonPropertyDescription("Size of each database volume, e.g. 1Gi. It may grow but never shrink.")
    @Default("1Gi")
    @ValidationRule(value = "isQuantity(self)", message = "spec.database.storage.size must be a quantity such as 1Gi")
    @ValidationRule(value = "!isQuantity(self) || (quantity(self).compareTo(quantity('" + SpecLimits.STORAGE_MIN
            + "')) >= 0 && quantity(self).compareTo(quantity('" + SpecLimits.STORAGE_MAX + "')) <= 0)",
            message = "spec.database.storage.size must be between " + SpecLimits.STORAGE_MIN + " and "
                    + SpecLimits.STORAGE_MAX + " (the Galera cache alone takes 256Mi)")
    @ValidationRule(value = "!isQuantity(self) || !isQuantity(oldSelf) || quantity(self).compareTo(quantity(oldSelf)) >= 0",
            reason = "FieldValueForbidden",
            message = "spec.database.storage.size cannot shrink: a volume cannot be made smaller without losing data")
    @Size(max = 32)
    public String size = "1Gi";

    @JsonPropertyDescription("StorageClass of the database volumes; empty means the cluster's default. Cannot change.")
    @ValidationRule(value = "self == oldSelf", reason = "FieldValueForbidden",
            message = "spec.database.storage.storageClassName cannot change on an existing stack")
    @Pattern(SpecLimits.STORAGE_CLASS_PATTERN)
    @Size(max = SpecLimits.STORAGE_CLASS_MAX_LENGTH)
    public String storageClassName;

    @JsonPropertyDescription("Delete the database volumes when the MessageStack is deleted. Default false: data is kept.")
    @Default("false")
    @ValidationRule(value = "oldSelf || !self", reason = "FieldValueForbidden",
            message = "spec.database.storage.deleteWithStack cannot change from false to true on an existing stack"
                    + " (it would delete the data volumes with the stack by surprise); true is allowed only when"
                    + " the stack is created")
    public boolean deleteWithStack = false;
}
