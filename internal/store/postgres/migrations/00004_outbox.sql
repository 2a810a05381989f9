-- +goose Up
-- Notifications on their way to a channel (package outbox). A row names its channel, never
-- a secret. state: pending (waiting for its next attempt, or claimed by a dispatcher until
-- claimed_until), sent (sent_at) or dead (gave up; last_error says why). Dispatchers on any
-- number of nodes claim due rows with FOR UPDATE SKIP LOCKED.
CREATE TABLE outbox (
    tenant_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    lang TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT NOT NULL,
    mentions TEXT NOT NULL,
    fields TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'dead')),
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    claimed_until TIMESTAMPTZ,
    claim_token TEXT,
    last_error TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    sent_at TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, message_id)
);
-- The dispatchers' question: which pending rows are due? Only pending rows are indexed.
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at) WHERE state = 'pending';

-- +goose Down
DROP TABLE outbox;
