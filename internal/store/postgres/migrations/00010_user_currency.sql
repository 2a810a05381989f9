-- +goose Up
-- The currency a user reads money in on the board (USD, CNY, or "local": each country's own);
-- empty follows the default (USD).
ALTER TABLE users ADD COLUMN currency TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE users DROP COLUMN currency;
