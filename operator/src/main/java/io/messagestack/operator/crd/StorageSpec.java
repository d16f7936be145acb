package io.messagestack.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

public class StorageSpec {

    @JsonPropertyDescription("Size of each database volume, e.g. 1Gi. It may grow but never shrink.")
    @Default("1Gi")
    @ValidationRule(value = "isQuantity(self)", message = "spec.database.storage.size must be a quantity such as 1Gi")
    @ValidationRule(value = "!isQuantity(self) || !isQuantity(oldSelf) || quantity(self).compareTo(quantity(oldSelf)) >= 0",
            reason = "FieldValueForbidden",
            message = "spec.database.storage.size cannot shrink: a volume cannot be made smaller without losing data")
    @Size(max = 32)
    public String size = "1Gi";

    @JsonPropertyDescription("StorageClass of the database volumes; empty means the cluster's default. Cannot change.")
    @ValidationRule(value = "self == oldSelf", reason = "FieldValueForbidden",
            message = "spec.database.storage.storageClassName cannot change on an existing stack")
    @Size(max = 253)
    public String storageClassName;

    @JsonPropertyDescription("Delete the database volumes when the MessageStack is deleted. Default false: data is kept.")
    @Default("false")
    public boolean deleteWithStack = false;
}
