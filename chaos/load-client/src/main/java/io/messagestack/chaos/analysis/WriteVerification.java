package io.messagestack.chaos.analysis;

import io.messagestack.chaos.record.RequestRecord;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Compares what the client was told (acknowledged creates) with what the database holds (rows per
 * unique subject). A write is acknowledged when any attempt of its create got a 2xx answer; it is
 * lost when its subject has no row, and any subject with more than one row is a duplicate (retries
 * with the same idempotency key must not create a second row, acknowledged or not).
 * The plain client sends no key and never retries: a create of its that failed may or may not have
 * been stored (unknown outcome, counted in {@code unacknowledged}, never as lost), a stored
 * unacknowledged write is not a duplicate, and an acknowledged one must be there exactly once.
 * Verify each client on its own records and rows ({@link #rowsWithPrefix}).
 */
public final class WriteVerification {
    private WriteVerification() {
    }

    /**
     * @param acknowledged          distinct acknowledged writes
     * @param lost                  acknowledged writes with no row
     * @param duplicates            extra rows beyond one per subject
     * @param unacknowledgedPresent writes the client gave up on that did reach the database (allowed)
     * @param unacknowledged        writes never acknowledged (all attempts failed): their outcome is unknown
     *                              to the client, so a row or no row are both allowed; present once at most
     * @param conflictingPks        writes acknowledged with two different primary keys (a retry made a second row)
     * @param lostSubjects          up to 20 examples
     * @param duplicateSubjects     up to 20 examples
     */
    public record Result(int acknowledged, int lost, int duplicates, int unacknowledgedPresent, int conflictingPks,
                         List<String> lostSubjects, List<String> duplicateSubjects, int unacknowledged) {
        /** Before issue 15 (tests): the unknown outcomes were not counted. */
        public Result(int acknowledged, int lost, int duplicates, int unacknowledgedPresent, int conflictingPks,
                      List<String> lostSubjects, List<String> duplicateSubjects) {
            this(acknowledged, lost, duplicates, unacknowledgedPresent, conflictingPks, lostSubjects, duplicateSubjects,
                    unacknowledgedPresent);
        }

        public boolean clean() {
            return lost == 0 && duplicates == 0 && conflictingPks == 0;
        }
    }

    public static Result verify(List<RequestRecord> records, Map<String, Integer> rowsBySubject) {
        Map<String, Set<Long>> ackedPks = new TreeMap<>();
        Set<String> attempted = new HashSet<>();
        for (RequestRecord r : records) {
            if (!RequestRecord.CREATE.equals(r.op())) {
                continue;
            }
            attempted.add(r.subject());
            if (r.status() >= 200 && r.status() < 300) {
                Set<Long> pks = ackedPks.computeIfAbsent(r.subject(), s -> new HashSet<>());
                if (r.pk() != null) {
                    pks.add(r.pk());
                }
            }
        }
        List<String> lost = new ArrayList<>();
        int conflicting = 0;
        for (Map.Entry<String, Set<Long>> e : ackedPks.entrySet()) {
            if (rowsBySubject.getOrDefault(e.getKey(), 0) == 0) {
                lost.add(e.getKey());
            }
            if (e.getValue().size() > 1) {
                conflicting++;
            }
        }
        int duplicates = 0;
        List<String> duplicateSubjects = new ArrayList<>();
        int unackedPresent = 0;
        for (Map.Entry<String, Integer> e : new TreeMap<>(rowsBySubject).entrySet()) {
            if (e.getValue() > 1) {
                duplicates += e.getValue() - 1;
                duplicateSubjects.add(e.getKey());
            }
            if (e.getValue() > 0 && !ackedPks.containsKey(e.getKey()) && attempted.contains(e.getKey())) {
                unackedPresent++;
            }
        }
        int unacked = (int) attempted.stream().filter(sub -> !ackedPks.containsKey(sub)).count();
        return new Result(ackedPks.size(), lost.size(), duplicates, unackedPresent, conflicting,
                firstN(lost), firstN(duplicateSubjects), unacked);
    }

    /** The rows of one client: its subjects all start with its prefix (LoadConfig.subjectPrefix(run, client)). */
    public static Map<String, Integer> rowsWithPrefix(Map<String, Integer> rowsBySubject, String prefix) {
        Map<String, Integer> out = new HashMap<>();
        rowsBySubject.forEach((subject, n) -> {
            if (subject.startsWith(prefix)) {
                out.put(subject, n);
            }
        });
        return out;
    }

    private static List<String> firstN(List<String> list) {
        return List.copyOf(list.subList(0, Math.min(20, list.size())));
    }

    static Map<String, Integer> countsOf(List<String> subjects) {
        Map<String, Integer> counts = new HashMap<>();
        subjects.forEach(s -> counts.merge(s, 1, Integer::sum));
        return counts;
    }
}
