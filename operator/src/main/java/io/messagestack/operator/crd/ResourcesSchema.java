package io.messagestack.operator.crd;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.kubernetes.api.model.Quantity;

/**
 * Only the CRD schema of every spec.*.resources field (through @SchemaFrom); the Java field stays a fabric8
 * ResourceRequirements. A ResourceRequirements' maps have no bound, so the API server estimates any CEL rule over
 * them beyond its cost budget; over three named amounts the rules (positive, limits not below requests) fit it.
 * Other resource names and claims are not part of the schema: the API server prunes them, the operator refuses
 * them (SpecValidation).
 */
public class ResourcesSchema {
    public Amounts requests;
    public Amounts limits;

    /** cpu, memory, ephemeral-storage (positive: SpecLimits.RESOURCES_RULE_POSITIVE_CEL on the field). */
    public static class Amounts {
        public Quantity cpu;
        public Quantity memory;
        @JsonProperty("ephemeral-storage")
        public Quantity ephemeralStorage;
    }
}
