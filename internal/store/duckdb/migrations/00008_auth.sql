-- +goose Up
-- Users of a tenant. login is lower-cased and unique within the tenant. scopes is a JSON
-- document ({"countries":[...],"platforms":[...],"modules":[...]}; an empty list allows all).
-- password_hash is an argon2id PHC string; the password itself is never stored.
CREATE TABLE users (
    tenant_id VARCHAR NOT NULL,
    user_id VARCHAR NOT NULL,
    login VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    lang VARCHAR NOT NULL,
    scopes VARCHAR NOT NULL,
    password_hash VARCHAR NOT NULL,
    disabled BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, user_id),
    UNIQUE (tenant_id, login)
);

-- Browser sessions. token_hash is the hex SHA-256 of the token the browser holds; the token
-- is never stored. expires_at is the absolute end; the idle limit runs from last_seen_at.
CREATE TABLE sessions (
    tenant_id VARCHAR NOT NULL,
    token_hash VARCHAR NOT NULL,
    user_id VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ,
    ip VARCHAR NOT NULL,
    PRIMARY KEY (tenant_id, token_hash)
);

-- API tokens ("pulso_..."), kept as the hex SHA-256 of the token; shown once at creation.
CREATE TABLE api_tokens (
    tenant_id VARCHAR NOT NULL,
    token_id VARCHAR NOT NULL,
    token_hash VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    user_id VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, token_id)
);

-- Audit log: append-only. detail is a JSON object of strings, never holding secrets.
CREATE TABLE audit_log (
    tenant_id VARCHAR NOT NULL,
    audit_id VARCHAR NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    user_id VARCHAR NOT NULL,
    login VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    object VARCHAR NOT NULL,
    detail VARCHAR NOT NULL,
    ip VARCHAR NOT NULL,
    PRIMARY KEY (tenant_id, audit_id)
);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE users;
