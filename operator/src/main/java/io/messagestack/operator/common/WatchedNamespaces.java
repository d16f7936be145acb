package io.messagestack.operator.common;

import java.util.ArrayList;
import java.util.List;

/**
 * The namespaces the operator watches, from its controllers' setting (quarkus.operator-sdk.controllers.*.namespaces,
 * set from the install's watchNamespaces): work outside the controllers (the node-loss guard, the standby's
 * gauges) reads the same namespaces, so the namespaced install's Roles suffice.
 */
public final class WatchedNamespaces {
    public static final String SETTING = "quarkus.operator-sdk.controllers.messagestack.namespaces";
    /** java-operator-sdk's markers in that setting. */
    static final String ALL = "JOSDK_ALL_NAMESPACES";
    static final String CURRENT = "JOSDK_WATCH_CURRENT";

    private WatchedNamespaces() {
    }

    /** The namespaces to watch; empty means all. */
    public static List<String> of(String setting, String ownNamespace) {
        if (setting == null || setting.isBlank() || setting.contains(ALL)) {
            return List.of();
        }
        List<String> namespaces = new ArrayList<>();
        for (String n : setting.split(",")) {
            String name = n.trim().equals(CURRENT) ? ownNamespace : n.trim();
            if (name != null && !name.isEmpty() && !namespaces.contains(name)) {
                namespaces.add(name);
            }
        }
        return namespaces;
    }
}
