package io.messagestack.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

public class PlacementSpec {
    public enum AntiAffinity { required, preferred, none }

    @JsonPropertyDescription("Spread the pods of each component over nodes: required, preferred (default) or none.")
    @Default("preferred")
    public AntiAffinity antiAffinity = AntiAffinity.preferred;

    @JsonPropertyDescription("Create a PodDisruptionBudget (maxUnavailable 1) for each component.")
    @Default("true")
    public boolean podDisruptionBudget = true;
}
