package io.messagestack.api.message;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.hibernate.query.NativeQuery;

import io.messagestack.api.database.GaleraRetry;

/**
 * The message operations, each one transaction that {@link GaleraRetry} may run again; every
 * one of them is written so that running it twice has the effect of running it once.
 */
@ApplicationScoped
public class MessageService {

    /** Bound on each list/count statement (JDBC query timeout), far below the transaction reaper's 60 s. */
    static final int QUERY_TIMEOUT_MS = 5000;
    /** Up to this many messages the count is exact; above, InnoDB's estimate. */
    public static final long EXACT_COUNT_UP_TO = 10_000;

    private final GaleraRetry retry;

    MessageService(GaleraRetry retry) {
        this.retry = retry;
    }

    /**
     * Up to {@code size} rows of the list that {@code paging} describes, continuing after
     * {@code cursor} (the last pk already returned, in the list's order; null for the first
     * chunk, which also applies the offset). One short read-only transaction and statement per
     * chunk (a keyset range on the primary key), bounded by {@link #QUERY_TIMEOUT_MS} as well as
     * by GaleraRetry's per-attempt network timeout: far below the transaction reaper's 60 s.
     */
    public List<MessageRow> chunk(Paging paging, Long cursor, int size) {
        Long after = paging.afterId();
        Long before = paging.beforeId();
        if (cursor != null) {
            if (paging.descending()) {
                before = cursor;
            } else {
                after = cursor;
            }
        }
        int offset = cursor == null ? paging.offset() : 0;
        // Native SQL, not HQL: Hibernate's HQL parser (ANTLR) took about a fifth of the CPU of a
        // start, parsing each query shape once per thread during the warm-up.
        StringBuilder sql = new StringBuilder("SELECT id, subject, body, created_at FROM message WHERE 1 = 1");
        if (after != null) {
            sql.append(" AND id > :after");
        }
        if (before != null) {
            sql.append(" AND id < :before");
        }
        sql.append(paging.descending() ? " ORDER BY id DESC" : " ORDER BY id ASC");
        sql.append(" LIMIT :size OFFSET :offset");
        Long afterValue = after;
        Long beforeValue = before;
        return retry.inTransaction("list", attempt -> {
            NativeQuery<?> query = Message.getEntityManager().createNativeQuery(sql.toString()).unwrap(NativeQuery.class);
            query.addScalar("id", Long.class)
                    .addScalar("subject", String.class)
                    .addScalar("body", String.class)
                    .addScalar("created_at", Instant.class)
                    .setParameter("size", size)
                    .setParameter("offset", offset)
                    .setHint("jakarta.persistence.query.timeout", QUERY_TIMEOUT_MS)
                    .setHint("org.hibernate.readOnly", true)
                    .setHint("org.hibernate.fetchSize", Math.min(size, 1000));
            if (afterValue != null) {
                query.setParameter("after", afterValue);
            }
            if (beforeValue != null) {
                query.setParameter("before", beforeValue);
            }
            return query.getResultList().stream()
                    .map(Object[].class::cast)
                    .map(r -> new MessageRow((Long) r[0], (String) r[1], (String) r[2], (Instant) r[3]))
                    .toList();
        });
    }

    /**
     * Exact when there are at most {@link #EXACT_COUNT_UP_TO} messages (a COUNT over at most that
     * many index entries), else InnoDB's estimate of the table's rows: the same cost whatever the
     * table size (a COUNT(*) of a million InnoDB rows scans a million index entries).
     */
    public MessageCount count() {
        return retry.inTransaction("count", attempt -> {
            var em = Message.getEntityManager();
            long bounded = ((Number) em.createNativeQuery(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM message LIMIT " + (EXACT_COUNT_UP_TO + 1) + ") AS firstrows")
                    .setHint("jakarta.persistence.query.timeout", QUERY_TIMEOUT_MS)
                    .getSingleResult()).longValue();
            if (bounded <= EXACT_COUNT_UP_TO) {
                return new MessageCount(bounded, true);
            }
            Object estimate = em.createNativeQuery("SELECT TABLE_ROWS FROM information_schema.TABLES"
                    + " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'message'")
                    .setHint("jakarta.persistence.query.timeout", QUERY_TIMEOUT_MS)
                    .getResultStream().findFirst().orElse(null);
            long rows = estimate instanceof Number n ? n.longValue() : 0;
            return new MessageCount(Math.max(rows, EXACT_COUNT_UP_TO + 1), false);
        });
    }

    public Message get(long pk) {
        return retry.inTransaction("get", attempt -> require(pk));
    }

    /**
     * Stores the message at most once per key. A first attempt with a fresh server token cannot
     * have a twin, so it inserts straight away; any other attempt looks for the key first.
     *
     * @param keyFromRequest the key came with the request (a client key or the edge's request id),
     *                       so an earlier request may have stored it: found, it is a replay
     */
    public CreateResult create(MessageInput input, String storedKey, boolean keyFromRequest) {
        String hash = IdempotencyKeys.requestHash(input);
        return retry.inTransaction("create", attempt -> {
            if (keyFromRequest || attempt.isRetry()) {
                Message existing = Message.findByIdempotencyKey(storedKey);
                if (existing != null) {
                    if (existing.requestHash != null && !existing.requestHash.equals(hash)) {
                        throw new IdempotencyKeyReusedException();
                    }
                    // Without a key from the request it was our own earlier attempt: not a replay.
                    return new CreateResult(existing, keyFromRequest);
                }
            }
            return new CreateResult(insert(input, storedKey, hash), false);
        });
    }

    /**
     * The create path (hash, key lookup, insert, read back) in a transaction that is always
     * rolled back, for the start-up warm-up: the same entity code runs, no row stays.
     * (MariaDB does not hand the insert's auto-increment value out again: a gap in the pks.)
     */
    public Message rehearseCreate(MessageInput input) {
        String storedKey = IdempotencyKeys.storedKey(null);
        String hash = IdempotencyKeys.requestHash(input);
        try {
            retry.inTransaction("warm-up", attempt -> {
                Message.findByIdempotencyKey(storedKey);
                Message message = insert(input, storedKey, hash);
                Message.findById(message.id);
                // An exception is the way to have QuarkusTransaction roll back without an error.
                throw new RolledBack(message);
            });
        } catch (RolledBack done) {
            return done.message;
        }
        throw new IllegalStateException("the rehearsal returned without rolling back");
    }

    private static Message insert(MessageInput input, String storedKey, String hash) {
        Message message = new Message();
        message.subject = input.subject();
        message.body = input.body();
        // Whole seconds: what the driver stores, so the create answer equals a later read.
        message.createdAt = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        message.idempotencyKey = storedKey;
        message.requestHash = hash;
        message.persist();
        return message;
    }

    /** Carries the rehearsed message out of its rolled-back transaction. */
    private static final class RolledBack extends RuntimeException {
        private final transient Message message;

        RolledBack(Message message) {
            super("rehearsal rolled back", null, false, false);
            this.message = message;
        }
    }

    public Message replace(long pk, MessageInput input) {
        return retry.inTransaction("replace", attempt -> {
            Message message = require(pk);
            message.subject = input.subject();
            message.body = input.body();
            return message;
        });
    }

    public Message patch(long pk, MessagePatch patch) {
        return retry.inTransaction("patch", attempt -> {
            Message message = require(pk);
            if (patch.subjectPresent()) {
                message.subject = patch.subject();
            }
            if (patch.bodyPresent()) {
                message.body = patch.body();
            }
            return message;
        });
    }

    /**
     * Deletes once. When an earlier attempt lost its connection during commit and the row is
     * now gone, that attempt did the delete: report success, not 404.
     */
    public void delete(long pk) {
        retry.inTransaction("delete", attempt -> {
            Message message = Message.findById(pk);
            if (message == null) {
                if (attempt.earlierOutcomeUnknown()) {
                    return null;
                }
                throw new MessageNotFoundException(Long.toString(pk));
            }
            message.delete();
            return null;
        });
    }

    private static Message require(long pk) {
        Message message = Message.findById(pk);
        if (message == null) {
            throw new MessageNotFoundException(Long.toString(pk));
        }
        return message;
    }
}
