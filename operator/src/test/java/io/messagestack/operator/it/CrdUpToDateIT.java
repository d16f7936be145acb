package io.messagestack.operator.it;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** crds/ holds exactly what the build generates from the Java types, one file per kind; `make crds` refreshes it. */
class CrdUpToDateIT {
    @Test
    void committedCrdsEqualTheGeneratedOnes() throws Exception {
        Path generatedDir = Path.of(System.getProperty("crd.generated",
                "target/kubernetes/messagestacks.messagestack.io-v1.yml")).getParent();
        for (Path committed : KubeApi.committedCrds()) {
            String name = committed.getFileName().toString().replace(".yaml", "");
            Path generated = generatedDir.resolve(name + "-v1.yml");
            assertTrue(Files.exists(generated), "the build did not generate " + generated);
            assertEquals(Files.readString(generated), Files.readString(committed),
                    "crds/" + committed.getFileName() + " is out of date: run `make crds` and commit it");
        }
    }
}
