package io.messagestack.operator.backup;

import io.messagestack.operator.crd.PointInTimeRecoveryGapStatus;
import io.messagestack.operator.crd.PointInTimeRecoveryStatus;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What the MessageStack's status says about point-in-time recovery (docs/pitr.md, "Gaps"): the archive's last
 * archived transaction, and the PointInTimeRecoveryGap condition. A gap or overlap the archiver reports is kept in
 * the status (the archiver forgets it when it restarts) until a Completed backup of the same Galera history is past
 * it (its GTID seqno is at or after the gap's end): from that backup on, every point in time is covered again. Never
 * cleared by anything else, never skipped. Pure (PitrHealthTest).
 */
public final class PitrHealth {
    public static final String REASON_GAP = "ArchiveGap";
    public static final String REASON_OVERLAP = "ArchiveOverlap";
    public static final String REASON_DOMAIN_CHANGED = "ArchiveDomainChanged";
    /** PointInTimeRecoveryGapStatus.kind of a change of the cluster's GTID domain (a restore cannot follow it). */
    public static final String KIND_DOMAIN_CHANGE = "domain-change";
    public static final String REASON_CONTINUOUS = "ArchiveContinuous";
    public static final String REASON_NOT_ANSWERING = "ArchiverNotAnswering";
    public static final String REASON_WAITING = "ArchiverNotStarted";

    private PitrHealth() {
    }

    /** A break the archiver reports (GET /status "problems"); times in Unix seconds. */
    public record Problem(String kind, long from, long to, long afterTime, long detectedAt) {
    }

    /** The archiver's GET /status; times in Unix seconds (lastTime 0: nothing archived). */
    public record Report(boolean running, String galeraUuid, long domain, long lastSeqno, long lastTime,
                         List<Problem> problems, String error) {
    }

    /** A Completed backup's position: Galera history and its GTID list (one GTID per replication domain). */
    public record Backup(String galeraUuid, String gtid) {
    }

    /** The status to write and the condition: gap true/false, reason, message. */
    public record Verdict(PointInTimeRecoveryStatus status, boolean gap, String reason, String message) {
    }

    /**
     * @param previous  status.pointInTimeRecovery of the last reconcile (null: none)
     * @param report    the archiver's answer (empty: no archiver pod, or it did not answer)
     * @param followed  the pod the archiver follows (null: none chosen yet)
     * @param waiting   why there is no archiver yet (null when there is one)
     */
    public static Verdict of(PointInTimeRecoveryStatus previous, Optional<Report> report, String followed,
                             String waiting, List<Backup> completed, Instant now) {
        PointInTimeRecoveryStatus st = new PointInTimeRecoveryStatus();
        if (previous != null) {
            st.lastArchivedTime = previous.lastArchivedTime;
            st.lastArchivedGtid = previous.lastArchivedGtid;
            st.galeraUuid = previous.galeraUuid;
            st.lastReportTime = previous.lastReportTime;
        }
        st.followedNode = followed;
        List<PointInTimeRecoveryGapStatus> candidates = new ArrayList<>();
        if (previous != null && previous.gap != null) {
            candidates.add(previous.gap);
        }
        report.ifPresent(r -> {
            domainChange(previous, r, now).ifPresent(candidates::add);
            st.galeraUuid = r.galeraUuid();
            st.lastReportTime = now.toString();
            if (r.lastSeqno() > 0) {
                st.lastArchivedGtid = r.domain() + "-1-" + r.lastSeqno(); // server_id 1 on every node (PITR_CONFIG)
                st.lastArchivedTime = Instant.ofEpochSecond(r.lastTime()).toString();
            }
            for (Problem p : r.problems()) {
                candidates.add(gap(p, r.galeraUuid(), r.domain()));
            }
        });
        st.gap = candidates.stream().filter(g -> !pastBackup(g, completed))
                .min(Comparator.comparing((PointInTimeRecoveryGapStatus g) -> g.galeraUuid == null ? "" : g.galeraUuid)
                        .thenComparing(g -> g.fromSeqno == null ? 0L : g.fromSeqno))
                .orElse(null);
        if (st.gap != null) {
            PointInTimeRecoveryGapStatus g = st.gap;
            String what = switch (g.kind == null ? "gap" : g.kind) {
                case "overlap" -> "seqnos " + g.fromSeqno + " to " + g.toSeqno
                        + " are in two archived segments that disagree (two archivers at once?)";
                case KIND_DOMAIN_CHANGE -> "the cluster's GTID domain changed to " + g.domain + " (archived in it"
                        + " through seqno " + g.toSeqno + "), which a restore does not follow";
                default -> "seqnos " + g.fromSeqno + " to " + g.toSeqno + " are in no archived segment";
            };
            String reason = "overlap".equals(g.kind) ? REASON_OVERLAP
                    : KIND_DOMAIN_CHANGE.equals(g.kind) ? REASON_DOMAIN_CHANGED : REASON_GAP;
            return new Verdict(st, true, reason,
                    "binary log archive of Galera history " + g.galeraUuid + ": " + what + " (found " + g.detectedTime
                            + "); a restore to a point in time after " + (g.after == null ? "the gap" : g.after)
                            + " is refused until a full backup past the gap completes: take one now"
                            + " (kubectl messagestack backup)");
        }
        if (waiting != null) {
            return new Verdict(st, false, REASON_WAITING, waiting);
        }
        if (report.isEmpty()) {
            return new Verdict(st, false, REASON_NOT_ANSWERING, "the binary log archiver (following " + followed
                    + ") does not answer" + (st.lastReportTime == null ? "" : "; its last report was at "
                    + st.lastReportTime) + "; no gap is known");
        }
        Report r = report.get();
        String archived = st.lastArchivedGtid == null ? "nothing archived yet"
                : "archived through GTID " + st.lastArchivedGtid + " (transaction time " + st.lastArchivedTime + ")";
        String state = r.running() ? "following " + followed : "not following " + followed + " now (reconnecting)";
        String error = r.error() == null || r.error().isBlank() ? "" : "; the last attempt failed: " + shorten(r.error());
        return new Verdict(st, false, REASON_CONTINUOUS, archived + ", " + state + ", no gap" + error);
    }

    /**
     * The archive went on in another GTID domain of the same Galera history (the last status archived in domain 0,
     * the archiver now reports domain 1): a restore replays one domain, so points in time after the change are not
     * covered by the backups before it. galera-agent's bootstrap keeps the domain (binlog_domain.go); this reports
     * a change that happened anyway. Cleared like a gap, by a backup past the seqno reported at detection.
     */
    private static Optional<PointInTimeRecoveryGapStatus> domainChange(PointInTimeRecoveryStatus previous, Report r,
                                                                        Instant now) {
        if (previous == null || previous.lastArchivedGtid == null || r.lastSeqno() <= 0
                || r.galeraUuid() == null || !r.galeraUuid().equals(previous.galeraUuid)) {
            return Optional.empty();
        }
        String[] last = previous.lastArchivedGtid.split("-");
        try {
            if (last.length != 3 || Long.parseLong(last[0]) == r.domain()) {
                return Optional.empty();
            }
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        PointInTimeRecoveryGapStatus g = new PointInTimeRecoveryGapStatus();
        g.kind = KIND_DOMAIN_CHANGE;
        g.galeraUuid = r.galeraUuid();
        g.domain = r.domain();
        g.fromSeqno = r.lastSeqno();
        g.toSeqno = r.lastSeqno();
        g.after = previous.lastArchivedTime;
        g.detectedTime = now.toString();
        return Optional.of(g);
    }

    private static PointInTimeRecoveryGapStatus gap(Problem p, String uuid, long domain) {
        PointInTimeRecoveryGapStatus g = new PointInTimeRecoveryGapStatus();
        g.kind = p.kind();
        g.galeraUuid = uuid;
        g.domain = domain;
        g.fromSeqno = p.from();
        g.toSeqno = p.to();
        g.after = p.afterTime() > 0 ? Instant.ofEpochSecond(p.afterTime()).toString() : null;
        g.detectedTime = Instant.ofEpochSecond(p.detectedAt()).toString();
        return g;
    }

    /**
     * A Completed backup of the gap's history whose GTID in the gap's domain is at or past the gap's end. The domain
     * is the archiver's (the cluster's wsrep_gtid_domain_id: 1 for a cluster created with PITR on, 0 when PITR was
     * turned on for a running cluster: a joiner takes the domain from its donor).
     */
    private static boolean pastBackup(PointInTimeRecoveryGapStatus g, List<Backup> completed) {
        long domain = g.domain == null ? 1 : g.domain;
        return g.toSeqno != null && completed.stream()
                .filter(b -> b.galeraUuid() != null && b.galeraUuid().equals(g.galeraUuid))
                .anyMatch(b -> seqnoOfDomain(b.gtid(), domain).map(s -> s >= g.toSeqno).orElse(false));
    }

    /**
     * The seqno of the cluster's domain in a backup's GTID list ("0-1-5,1-1-42" and domain 1: 42); empty when the
     * list has none of that domain.
     */
    public static Optional<Long> seqnoOfDomain(String gtidList, long domain) {
        if (gtidList == null) {
            return Optional.empty();
        }
        for (String g : gtidList.split(",")) {
            String[] parts = g.strip().split("-");
            try {
                if (parts.length == 3 && Long.parseLong(parts[0]) == domain) {
                    return Optional.of(Long.parseLong(parts[2]));
                }
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    private static String shorten(String s) {
        String one = s.replace('\n', ' ').strip();
        return one.length() > 300 ? one.substring(0, 300) + "..." : one;
    }
}
