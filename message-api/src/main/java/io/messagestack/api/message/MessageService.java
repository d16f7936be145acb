package io.messagestack.api.message;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.messagestack.api.database.GaleraRetry;
import io.quarkus.panache.common.Sort;

/**
 * The message operations, each one transaction that {@link GaleraRetry} may run again; every
 * one of them is written so that running it twice has the effect of running it once.
 */
@ApplicationScoped
public class MessageService {

    private final GaleraRetry retry;

    MessageService(GaleraRetry retry) {
        this.retry = retry;
    }

    public List<Message> list(Paging paging) {
        return retry.inTransaction("list", attempt -> {
            var query = Message.<Message>findAll(Sort.by("id"));
            if (paging.limit() != null) {
                query.range(paging.offset(), paging.offset() + paging.limit() - 1);
            } else if (paging.offset() > 0) {
                query.range(paging.offset(), Integer.MAX_VALUE - 1);
            }
            return query.list();
        });
    }

    public Message get(long pk) {
        return retry.inTransaction("get", attempt -> require(pk));
    }

    /**
     * Stores the message at most once per key. A first attempt with a fresh server token cannot
     * have a twin, so it inserts straight away; any other attempt looks for the key first.
     */
    public CreateResult create(MessageInput input, String storedKey, boolean clientKey) {
        String hash = IdempotencyKeys.requestHash(input);
        return retry.inTransaction("create", attempt -> {
            if (clientKey || attempt.isRetry()) {
                Message existing = Message.findByIdempotencyKey(storedKey);
                if (existing != null) {
                    if (existing.requestHash != null && !existing.requestHash.equals(hash)) {
                        throw new IdempotencyKeyReusedException();
                    }
                    // Our own earlier attempt committed before its connection was lost: not a replay.
                    return new CreateResult(existing, clientKey);
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
