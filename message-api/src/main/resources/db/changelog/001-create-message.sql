--liquibase formatted sql

--changeset messagestack:001-create-message
-- Every create stores a unique idempotency_key (the client's Idempotency-Key or a server
-- token), in the same row and so in the same transaction: a resent or retried create hits
-- the unique key instead of storing the message twice.
CREATE TABLE message (
    id              BIGINT       NOT NULL AUTO_INCREMENT,
    subject         VARCHAR(200) NOT NULL,
    body            TEXT         NOT NULL,
    created_at      DATETIME(6)  NOT NULL,
    idempotency_key VARCHAR(255) NOT NULL,
    request_hash    CHAR(64)     NULL,
    CONSTRAINT pk_message PRIMARY KEY (id),
    CONSTRAINT uk_message_idempotency_key UNIQUE (idempotency_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
--rollback DROP TABLE message;
