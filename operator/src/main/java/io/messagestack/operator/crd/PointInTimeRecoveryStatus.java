package io.messagestack.operator.crd;

/**
 * status.pointInTimeRecovery of a MessageStack with spec.backup.pointInTimeRecovery.enabled: what its binary log
 * archiver reports, and the first gap found in the archive since the last full backup after it (the
 * PointInTimeRecoveryGap condition says the same in words).
 */
public class PointInTimeRecoveryStatus {
    /** The database pod the archiver follows. */
    public String followedNode;
    /** The newest archived transaction's time (RFC 3339, whole seconds as in the binary log): the recovery point. */
    public String lastArchivedTime;
    /** Its GTID (domain-server-seqno). */
    public String lastArchivedGtid;
    /** The Galera history (state UUID) being archived. */
    public String galeraUuid;
    /** When the operator last heard from the archiver (RFC 3339). */
    public String lastReportTime;
    /** A gap or overlap in the archive, kept until a full backup past it completes; null when the archive is whole. */
    public PointInTimeRecoveryGapStatus gap;
}
