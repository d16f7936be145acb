package io.messagestack.operator.backup;

import io.messagestack.operator.crd.PointInTimeRecoveryStatus;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PitrHealthTest {
    private static final String UUID = "6f9a3c1e-0000-4000-8000-000000000001";
    private static final Instant NOW = Instant.parse("2026-12-06T15:00:00Z");

    private static PitrHealth.Report report(long last, List<PitrHealth.Problem> problems) {
        return new PitrHealth.Report(true, UUID, 1, last, 1796565600L, problems, "");
    }

    private static final PitrHealth.Problem GAP = new PitrHealth.Problem("gap", 50, 60, 1796565000L, 1796565300L);

    @Test
    void aContinuousArchiveShowsItsLastTransaction() {
        PitrHealth.Verdict v = PitrHealth.of(null, Optional.of(report(99, List.of())), "shop-db-2", null, List.of(), NOW);
        assertFalse(v.gap());
        assertEquals(PitrHealth.REASON_CONTINUOUS, v.reason());
        assertEquals("1-1-99", v.status().lastArchivedGtid);
        assertEquals("2026-12-06T14:00:00Z", v.status().lastArchivedTime);
        assertEquals("shop-db-2", v.status().followedNode);
        assertTrue(v.message().contains("archived through GTID 1-1-99"), v.message());
    }

    @Test
    void aGapIsReportedAndKeptUntilABackupPastItCompletes() {
        PitrHealth.Verdict found = PitrHealth.of(null, Optional.of(report(99, List.of(GAP))), "shop-db-2", null, List.of(), NOW);
        assertTrue(found.gap());
        assertEquals(PitrHealth.REASON_GAP, found.reason());
        assertTrue(found.message().contains("seqnos 50 to 60 are in no archived segment"), found.message());
        assertEquals(50L, found.status().gap.fromSeqno);
        // The archiver restarted and forgot it: the status keeps it.
        PitrHealth.Verdict later = PitrHealth.of(found.status(), Optional.of(report(120, List.of())), "shop-db-1", null,
                List.of(new PitrHealth.Backup(UUID, "0-1-40,1-1-40")), NOW);
        assertTrue(later.gap(), "a backup before the gap does not clear it");
        // No answer from the archiver: still kept.
        assertTrue(PitrHealth.of(later.status(), Optional.empty(), "shop-db-1", null, List.of(), NOW).gap());
        // A backup of another history does not clear it.
        assertTrue(PitrHealth.of(later.status(), Optional.of(report(120, List.of())), "shop-db-1", null,
                List.of(new PitrHealth.Backup("00000000-0000-4000-8000-000000000000", "1-1-500")), NOW).gap());
        // A backup past the gap's seqnos in another domain (the nodes' local domain) does not either.
        assertTrue(PitrHealth.of(later.status(), Optional.of(report(120, List.of())), "shop-db-1", null,
                List.of(new PitrHealth.Backup(UUID, "1-1-40,101-1-500")), NOW).gap());
        // A backup past the gap does, also while the archiver still lists the problem.
        PitrHealth.Verdict cleared = PitrHealth.of(later.status(), Optional.of(report(130, List.of(GAP))), "shop-db-1",
                null, List.of(new PitrHealth.Backup(UUID, "0-1-3,1-1-60")), NOW);
        assertFalse(cleared.gap());
        assertNull(cleared.status().gap);
    }

    @Test
    void inDomainZeroABackupPastTheGapClearsIt() {
        // PITR turned on for a running cluster: its replicated domain stays 0 (the archiver reports it).
        PitrHealth.Report zero = new PitrHealth.Report(true, UUID, 0, 12105, 1796565600L,
                List.of(new PitrHealth.Problem("gap", 6277, 9624, 1796564493L, 1796565231L)), "");
        assertTrue(PitrHealth.of(null, Optional.of(zero), "shop-db-2", null, List.of(), NOW).gap());
        PitrHealth.Verdict v = PitrHealth.of(null, Optional.of(zero), "shop-db-2", null,
                List.of(new PitrHealth.Backup(UUID, "0-1-10076")), NOW);
        assertFalse(v.gap(), v.message());
        assertEquals("0-1-12105", v.status().lastArchivedGtid);
    }

    @Test
    void aChangeOfTheClustersDomainIsReportedUntilABackupInTheNewDomain() {
        // The archive went on in domain 1 after domain 0 (a bootstrap that did not keep the domain).
        PitrHealth.Verdict inZero = PitrHealth.of(null, Optional.of(new PitrHealth.Report(true, UUID, 0, 7146,
                1796565600L, List.of(), "")), "shop-db-2", null, List.of(), NOW);
        assertFalse(inZero.gap());
        PitrHealth.Verdict changed = PitrHealth.of(inZero.status(), Optional.of(report(7160, List.of())), "shop-db-1",
                null, List.of(new PitrHealth.Backup(UUID, "0-1-7000")), NOW);
        assertTrue(changed.gap(), changed.message());
        assertEquals(PitrHealth.REASON_DOMAIN_CHANGED, changed.reason());
        assertEquals(PitrHealth.KIND_DOMAIN_CHANGE, changed.status().gap.kind);
        assertTrue(changed.message().contains("GTID domain changed to 1"), changed.message());
        assertTrue(changed.message().contains("after 2026-12-06T14:00:00Z"), changed.message());
        // Kept while no backup in the new domain is past it, also when the archiver does not answer.
        PitrHealth.Verdict kept = PitrHealth.of(changed.status(), Optional.of(report(7200, List.of())), "shop-db-1",
                null, List.of(new PitrHealth.Backup(UUID, "0-1-7146")), NOW);
        assertTrue(kept.gap(), "a backup of the old domain does not clear it");
        assertTrue(PitrHealth.of(kept.status(), Optional.empty(), "shop-db-1", null, List.of(), NOW).gap());
        PitrHealth.Verdict cleared = PitrHealth.of(kept.status(), Optional.of(report(7300, List.of())), "shop-db-1",
                null, List.of(new PitrHealth.Backup(UUID, "0-1-7146,1-1-7250")), NOW);
        assertFalse(cleared.gap(), cleared.message());
        // The same domain, or a new Galera history (a new archive folder), is no change.
        assertFalse(PitrHealth.of(inZero.status(), Optional.of(new PitrHealth.Report(true, UUID, 0, 7200,
                1796565600L, List.of(), "")), "shop-db-2", null, List.of(), NOW).gap());
        assertFalse(PitrHealth.of(inZero.status(), Optional.of(new PitrHealth.Report(true,
                "00000000-0000-4000-8000-000000000000", 1, 5, 1796565600L, List.of(), "")), "shop-db-2", null,
                List.of(), NOW).gap());
    }

    @Test
    void anOverlapIsReportedAsSuch() {
        PitrHealth.Verdict v = PitrHealth.of(null, Optional.of(report(99, List.of(new PitrHealth.Problem("overlap", 5, 9, 0, 1796565300L)))),
                "shop-db-2", null, List.of(), NOW);
        assertTrue(v.gap());
        assertEquals(PitrHealth.REASON_OVERLAP, v.reason());
    }

    @Test
    void noAnswerKeepsTheLastKnownArchiveAndSaysSo() {
        PointInTimeRecoveryStatus before = PitrHealth.of(null, Optional.of(report(99, List.of())), "shop-db-2", null,
                List.of(), NOW).status();
        PitrHealth.Verdict v = PitrHealth.of(before, Optional.empty(), "shop-db-2", null, List.of(), NOW.plusSeconds(60));
        assertFalse(v.gap());
        assertEquals(PitrHealth.REASON_NOT_ANSWERING, v.reason());
        assertEquals("1-1-99", v.status().lastArchivedGtid);
        assertEquals(PitrHealth.REASON_WAITING,
                PitrHealth.of(null, Optional.empty(), null, "no database node is Ready", List.of(), NOW).reason());
    }

    @Test
    void theArchiversStatusBodyIsRead() {
        PitrHealth.Report r = ArchiverProbe.parse("{\"running\":true,\"host\":\"h\",\"galeraUUID\":\"" + UUID
                + "\",\"domain\":1,\"lastSeqno\":42,\"lastTime\":1796561234,\"lastUploadAt\":1,\"problems\":[{\"kind\":"
                + "\"gap\",\"from\":5,\"to\":7,\"afterTime\":3,\"detectedAt\":9}]}").orElseThrow();
        assertEquals(42, r.lastSeqno());
        assertEquals(List.of(new PitrHealth.Problem("gap", 5, 7, 3, 9)), r.problems());
        assertTrue(ArchiverProbe.parse("not json").isEmpty());
        assertTrue(ArchiverProbe.parse("{\"other\":1}").isEmpty());
    }

    @Test
    void theSeqnoOfTheClustersDomainIsReadFromAGtidList() {
        assertEquals(Optional.of(42L), PitrHealth.seqnoOfDomain("0-1-5,1-1-42", 1));
        assertEquals(Optional.empty(), PitrHealth.seqnoOfDomain("0-1-5", 1));
        assertEquals(Optional.empty(), PitrHealth.seqnoOfDomain(null, 1));
    }
}
