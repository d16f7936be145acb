package io.messagestack.operator.crd;

/** A break in the binary log archive: the seqnos of the cluster's GTID domain that are in no archived segment. */
public class PointInTimeRecoveryGapStatus {
    /** gap, overlap or domain-change (PitrHealth). */
    public String kind;
    public String galeraUuid;
    /** The replication domain of the seqnos (the cluster's wsrep_gtid_domain_id). */
    public Long domain;
    public Long fromSeqno;
    public Long toSeqno;
    /** The last archived transaction time before it (RFC 3339); points in time after it need a newer backup. */
    public String after;
    /** When the archiver found it (RFC 3339). */
    public String detectedTime;
}
