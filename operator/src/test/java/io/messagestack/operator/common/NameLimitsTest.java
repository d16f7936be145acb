package io.messagestack.operator.common;

import io.messagestack.operator.vip.Keepalived;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SpecLimits.NAME_MAX_LENGTH is the longest name whose derived names all fit their 63-character limits. */
class NameLimitsTest {
    private static final int DNS_LABEL = 63;
    /** The StatefulSet controller's revision hash suffix: '-' and up to 10 characters. */
    private static final int REVISION_SUFFIX = 11;

    /** Names and label values with a 63-character limit, derived from one stack name. */
    private static List<String> limited(String stack) {
        Names n = new Names(stack);
        Stack s = new Stack(stack, "ns", new io.messagestack.operator.crd.MessageStackSpec(), TestStacks.IMAGES,
                Stack.DEFAULT_CLUSTER_DOMAIN);
        List<String> out = new ArrayList<>(List.of(stack, // the instance label
                n.dbPeerService(), n.dbClientService(), n.proxy(), n.api(), n.apiPods(), n.frontend(),
                n.dbStatefulSet() + "-" + (9 - 1), // the last pod's name: hostname and pod-name label
                n.dbStatefulSet() + "x".repeat(REVISION_SUFFIX))); // controller-revision-hash label
        for (Keepalived.Role role : Keepalived.Role.values()) {
            out.add(Keepalived.peerServiceName(s, role));
        }
        return out;
    }

    @Test
    void everyDerivedNameFitsForTheLongestAllowedName() {
        for (String name : limited("a".repeat(SpecLimits.NAME_MAX_LENGTH))) {
            assertTrue(name.length() <= DNS_LABEL, name + " is " + name.length() + " characters");
        }
    }

    @Test
    void theLimitIsTight() {
        assertFalse(limited("a".repeat(SpecLimits.NAME_MAX_LENGTH + 1)).stream()
                .allMatch(name -> name.length() <= DNS_LABEL), "a longer limit would still fit: raise it");
    }
}
