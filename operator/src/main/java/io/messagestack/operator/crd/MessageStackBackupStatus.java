package io.messagestack.operator.crd;

/** What happened to one backup. Written only by the operator. */
public class MessageStackBackupStatus {
    public static final String PENDING = "Pending";
    public static final String RUNNING = "Running";
    public static final String COMPLETED = "Completed";
    public static final String FAILED = "Failed";

    /** Pending, Running, Completed or Failed. Completed and Failed are final. */
    public String phase;
    /** RFC 3339. */
    public String startTime;
    public String endTime;
    /** Bytes of the stored (compressed) data object. */
    public Long size;
    /** The Galera position the backup is consistent at. */
    public BackupPosition position;
    /** Where it is: s3://bucket/key-of-the-backup-folder/ or pvc://claim/path/. */
    public String location;
    /** The database pod it was taken from. */
    public String node;
    /** The Job that takes it. */
    public String job;
    /** Why it failed or what it waits for; empty when Completed. */
    public String reason;
    /** SHA-256 of the stored data object, as in the manifest. */
    public String sha256;
}
