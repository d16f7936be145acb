package io.messagestack.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** spec.backup.storage: exactly one of s3 and pvc (a CEL rule on the field and SpecValidation refuse both or none). */
public class BackupStorageSpec {

    @JsonPropertyDescription("Any S3-compatible object store (AWS S3, Ceph RGW, SeaweedFS, versitygw, ...).")
    public S3StorageSpec s3;

    @JsonPropertyDescription("A PersistentVolumeClaim in the stack's namespace.")
    public PvcStorageSpec pvc;
}
