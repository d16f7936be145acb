package io.messagestack.operator.common;

import java.util.LinkedHashMap;
import java.util.Map;

/** The labels the operator puts on everything it owns. Its informers only see objects with MANAGED_BY. */
public final class Labels {
    public static final String NAME = "app.kubernetes.io/name";
    public static final String INSTANCE = "app.kubernetes.io/instance";
    public static final String COMPONENT = "app.kubernetes.io/component";
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String PART_OF = "app.kubernetes.io/part-of";

    public static final String OPERATOR = "messagestack-operator";
    /** The label selector of every informer of the operator. */
    public static final String MANAGED_SELECTOR = MANAGED_BY + "=" + OPERATOR;

    private Labels() {
    }

    /** Labels of every object of one component of one stack. */
    public static Map<String, String> of(String stack, String component) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(NAME, "messagestack");
        labels.put(INSTANCE, stack);
        labels.put(COMPONENT, component);
        labels.put(PART_OF, "messagestack");
        labels.put(MANAGED_BY, OPERATOR);
        return labels;
    }

    /** The stable subset used in selectors (selectors of Deployments and StatefulSets are immutable). */
    public static Map<String, String> selector(String stack, String component) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(INSTANCE, stack);
        labels.put(COMPONENT, component);
        return labels;
    }
}
