package io.messagestack.operator.common;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class ConfigHashTest {
    @Test
    void sameContentSameHashWhateverTheOrder() {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("x", "1");
        a.put("y", "2");
        Map<String, String> b = new LinkedHashMap<>();
        b.put("y", "2");
        b.put("x", "1");
        assertEquals(ConfigHash.of(a), ConfigHash.of(b));
        assertEquals(16, ConfigHash.of(a).length());
    }

    @Test
    void anyChangeChangesTheHash() {
        assertNotEquals(ConfigHash.of(Map.of("x", "1")), ConfigHash.of(Map.of("x", "2")));
        assertNotEquals(ConfigHash.of(Map.of("x", "1")), ConfigHash.of(Map.of("x1", "")));
    }
}
