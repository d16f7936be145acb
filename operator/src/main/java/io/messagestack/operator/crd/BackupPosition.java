package io.messagestack.operator.crd;

/** A Galera position: cluster state UUID and seqno, and the server's GTID (MariaDB gtid_binlog_pos). */
public class BackupPosition {
    public String galeraUuid;
    public Long galeraSeqno;
    public String gtid;

    public BackupPosition() {
    }

    public BackupPosition(String galeraUuid, Long galeraSeqno, String gtid) {
        this.galeraUuid = galeraUuid;
        this.galeraSeqno = galeraSeqno;
        this.gtid = gtid;
    }
}
