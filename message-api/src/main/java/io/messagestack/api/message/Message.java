package io.messagestack.api.message;

import java.time.Instant;
import java.util.List;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;

/** A stored message. The schema is owned by Liquibase (db/changelog), never generated. */
@Entity
@Table(name = "message")
public class Message extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(nullable = false, length = MessageInput.SUBJECT_MAX)
    public String subject;

    @Column(nullable = false, columnDefinition = "TEXT")
    public String body;

    @Column(name = "created_at", nullable = false, updatable = false)
    public Instant createdAt;

    /**
     * Unique per create request: the client's Idempotency-Key ("k:" prefix) or a token the
     * service made for a request without one ("s:"). A retried insert hits the unique key
     * instead of storing the message twice.
     */
    @Column(name = "idempotency_key", nullable = false, updatable = false, length = 255)
    public String idempotencyKey;

    /** SHA-256 of the create request's subject and body, to refuse a key reused for other content. */
    @Column(name = "request_hash", updatable = false, length = 64)
    public String requestHash;

    /** Native SQL: no HQL parse (see MessageService.chunk); the unique key finds at most one row. */
    static Message findByIdempotencyKey(String key) {
        List<?> rows = getEntityManager()
                .createNativeQuery("SELECT * FROM message WHERE idempotency_key = :key", Message.class)
                .setParameter("key", key)
                .getResultList();
        return rows.isEmpty() ? null : (Message) rows.get(0);
    }
}
