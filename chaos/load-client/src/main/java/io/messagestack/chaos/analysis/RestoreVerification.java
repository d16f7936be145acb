package io.messagestack.chaos.analysis;

import io.messagestack.chaos.record.RequestRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The restore drill's check (issue 14): a stack restored to a point in time T, against the client's own record.
 * Each create (one subject, all its attempts) falls in one of three classes:
 * <ul>
 *   <li><b>acknowledged at or before T</b> (a 2xx answer that ended at or before T): it committed before T, so it
 *       must be in the restored stack exactly once; missing is <i>lost</i>;</li>
 *   <li><b>sent after T</b> (its first attempt was sent at or after T): its transaction started after T, so the
 *       restore must not have it; present is <i>restored after the point</i>;</li>
 *   <li><b>in flight at T</b> (sent before T, not acknowledged by T): it may have committed on either side of T, so
 *       present once or absent are both right; never twice.</li>
 * </ul>
 * This is exact for a restore that replays "every transaction that started before T" (docs/pitr.md) as long as
 * the client and the database read the same clock (on kind: one host kernel). Any subject with more than one row
 * is a duplicate, whatever its class.
 */
public final class RestoreVerification {
    private RestoreVerification() {
    }

    /**
     * @param acknowledgedBeforePoint writes acknowledged at or before T: each must be present once
     * @param lost                    of those, how many have no row
     * @param duplicates              extra rows beyond one per subject
     * @param sentAfterPoint          writes whose first attempt was sent at or after T
     * @param restoredAfterPoint      of those, how many have a row (must be 0)
     * @param inFlight                writes sent before T and not acknowledged by T (either outcome allowed)
     * @param inFlightRestored        of those, how many have a row
     * @param rowsChecked             rows of this client's subjects found in the restored stack
     * @param lostSubjects            up to 20 examples
     * @param restoredAfterSubjects   up to 20 examples
     * @param duplicateSubjects       up to 20 examples
     */
    public record Result(int acknowledgedBeforePoint, int lost, int duplicates, int sentAfterPoint,
                         int restoredAfterPoint, int inFlight, int inFlightRestored, int rowsChecked,
                         List<String> lostSubjects, List<String> restoredAfterSubjects,
                         List<String> duplicateSubjects) {
        public boolean clean() {
            return lost == 0 && duplicates == 0 && restoredAfterPoint == 0;
        }

        /** In the shape of the other scenarios' check, so the report's data targets read it the same way. */
        public WriteVerification.Result asWriteVerification() {
            return new WriteVerification.Result(acknowledgedBeforePoint, lost, duplicates, inFlightRestored, 0,
                    lostSubjects, duplicateSubjects, inFlight);
        }
    }

    public static Result verify(List<RequestRecord> records, Map<String, Integer> rowsBySubject, long pointMs) {
        Map<String, Long> firstSent = new TreeMap<>();
        Map<String, Long> acknowledgedAt = new TreeMap<>();
        for (RequestRecord r : records) {
            if (!RequestRecord.CREATE.equals(r.op())) {
                continue;
            }
            firstSent.merge(r.subject(), r.startMs(), Math::min);
            if (r.status() >= 200 && r.status() < 300) {
                acknowledgedAt.merge(r.subject(), r.endMs(), Math::min);
            }
        }
        int acknowledged = 0;
        int sentAfter = 0;
        int inFlight = 0;
        int inFlightRestored = 0;
        List<String> lost = new ArrayList<>();
        List<String> restoredAfter = new ArrayList<>();
        for (Map.Entry<String, Long> e : firstSent.entrySet()) {
            String subject = e.getKey();
            boolean present = rowsBySubject.getOrDefault(subject, 0) > 0;
            Long ack = acknowledgedAt.get(subject);
            if (ack != null && ack <= pointMs) {
                acknowledged++;
                if (!present) {
                    lost.add(subject);
                }
            } else if (e.getValue() >= pointMs) {
                sentAfter++;
                if (present) {
                    restoredAfter.add(subject);
                }
            } else {
                inFlight++;
                if (present) {
                    inFlightRestored++;
                }
            }
        }
        int duplicates = 0;
        int rows = 0;
        List<String> duplicateSubjects = new ArrayList<>();
        for (Map.Entry<String, Integer> e : new TreeMap<>(rowsBySubject).entrySet()) {
            rows += e.getValue();
            if (e.getValue() > 1) {
                duplicates += e.getValue() - 1;
                duplicateSubjects.add(e.getKey());
            }
        }
        return new Result(acknowledged, lost.size(), duplicates, sentAfter, restoredAfter.size(), inFlight,
                inFlightRestored, rows, firstN(lost), firstN(restoredAfter), firstN(duplicateSubjects));
    }

    private static List<String> firstN(List<String> list) {
        return List.copyOf(list.subList(0, Math.min(20, list.size())));
    }
}
