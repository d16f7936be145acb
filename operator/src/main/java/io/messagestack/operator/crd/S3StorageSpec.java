package io.messagestack.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.messagestack.operator.backup.BackupLayout;
import io.messagestack.operator.common.SpecLimits;

/** spec.backup.storage.s3 and spec.database.restore.location.s3. Path-style requests signed with SigV4; the keys come only from the Secret. */
public class S3StorageSpec {

    @JsonPropertyDescription("The store's URL: http(s)://host[:port], no path, e.g. https://s3.eu-west-1.amazonaws.com.")
    @Required
    @Size(max = SpecLimits.S3_ENDPOINT_MAX_LENGTH)
    @Pattern(SpecLimits.S3_ENDPOINT_PATTERN)
    public String endpoint;

    @JsonPropertyDescription("The bucket; it must exist (the operator never creates or deletes buckets).")
    @Required
    @Size(max = 63)
    @Pattern(SpecLimits.S3_BUCKET_PATTERN)
    public String bucket;

    @JsonPropertyDescription("Folder in the bucket, e.g. team-a/prod; empty is the bucket's root. Letters, digits,"
            + " . _ - and /, no . or .. segment.")
    @Size(max = BackupLayout.PREFIX_MAX_LENGTH)
    @Pattern(BackupLayout.PREFIX_PATTERN)
    @ValidationRule(value = "!self.split('/').exists(s, s == '.' || s == '..')", reason = "FieldValueInvalid",
            message = "s3.prefix must not contain a '.' or '..' segment")
    public String prefix;

    @JsonPropertyDescription("The region the requests are signed for.")
    @Default("us-east-1")
    @Size(max = SpecLimits.S3_REGION_MAX_LENGTH)
    @Pattern(SpecLimits.S3_REGION_PATTERN)
    public String region = "us-east-1";

    @JsonPropertyDescription("Secret in the stack's namespace with the keys AWS_ACCESS_KEY_ID and"
            + " AWS_SECRET_ACCESS_KEY.")
    @Required
    public SecretRef credentialsSecret;

    @JsonPropertyDescription("TLS to an https endpoint.")
    @Default("{}")
    public S3TlsSpec tls = new S3TlsSpec();
}
