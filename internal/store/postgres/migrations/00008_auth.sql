-- +goose Up
-- Users of a tenant. login is lower-cased and unique within the tenant. scopes is a JSON
-- document ({"countries":[...],"platforms":[...],"modules":[...]}; an empty list allows all).
-- password_hash is an argon2id PHC string; the password itself is never stored.
CREATE TABLE users (
    tenant_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    login TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    lang TEXT NOT NULL,
    scopes TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, user_id),
    UNIQUE (tenant_id, login)
);

-- Browser sessions. token_hash is the hex SHA-256 of the token the browser holds; the token
-- is never stored. expires_at is the absolute end; the idle limit runs from last_seen_at.
CREATE TABLE sessions (
    tenant_id TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    user_id TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ,
    ip TEXT NOT NULL,
    PRIMARY KEY (tenant_id, token_hash)
);
-- A request presents only the token, so it is looked up by hash alone.
CREATE INDEX sessions_token_hash ON sessions (token_hash);
CREATE INDEX sessions_user ON sessions (tenant_id, user_id);

-- API tokens ("pulso_..."), kept as the hex SHA-256 of the token; shown once at creation.
CREATE TABLE api_tokens (
    tenant_id TEXT NOT NULL,
    token_id TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    name TEXT NOT NULL,
    user_id TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, token_id)
);
CREATE INDEX api_tokens_token_hash ON api_tokens (token_hash);

-- Audit log: append-only. detail is a JSON object of strings, never holding secrets.
CREATE TABLE audit_log (
    tenant_id TEXT NOT NULL,
    audit_id TEXT NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    user_id TEXT NOT NULL,
    login TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    detail TEXT NOT NULL,
    ip TEXT NOT NULL,
    PRIMARY KEY (tenant_id, audit_id)
);
CREATE INDEX audit_log_occurred ON audit_log (tenant_id, occurred_at);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE users;
