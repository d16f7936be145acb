package io.messagestack.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

/** spec.backup.storage.s3.tls. */
public class S3TlsSpec {
    @JsonPropertyDescription("Verify the server's certificate (default true). false accepts any certificate: only"
            + " for a test store.")
    @Default("true")
    public boolean verify = true;

    @JsonPropertyDescription("Secret in the stack's namespace whose key ca.crt holds the PEM CA bundle that signed"
            + " the server's certificate; unset: the system's CAs.")
    public SecretRef caSecret;
}
