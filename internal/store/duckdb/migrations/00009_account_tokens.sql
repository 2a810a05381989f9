-- +goose Up
-- An API token may stop working at a set time (pulso token create --expires 90d); NULL keeps
-- it until revoked, as every token made before.
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMPTZ;

-- +goose Down
ALTER TABLE api_tokens DROP COLUMN expires_at;
