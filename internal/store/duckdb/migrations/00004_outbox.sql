-- +goose Up
-- Notifications on their way to a channel (package outbox). A row names its channel, never
-- a secret. state: pending (waiting for its next attempt, or claimed by a dispatcher until
-- claimed_until), sent (sent_at) or dead (gave up; last_error says why). DuckDB has one
-- process per file, so no index beyond the key: the table stays small (Purge).
CREATE TABLE outbox (
    tenant_id VARCHAR NOT NULL,
    message_id VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,
    lang VARCHAR NOT NULL,
    title VARCHAR NOT NULL,
    body VARCHAR NOT NULL,
    link VARCHAR NOT NULL,
    mentions VARCHAR NOT NULL,
    fields VARCHAR NOT NULL,
    state VARCHAR NOT NULL CHECK (state IN ('pending', 'sent', 'dead')),
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    claimed_until TIMESTAMPTZ,
    claim_token VARCHAR,
    last_error VARCHAR,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    sent_at TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, message_id)
);

-- +goose Down
DROP TABLE outbox;
