-- +goose Up
-- The currency a user reads money in on the board (USD, CNY, or "local": each country's own);
-- empty follows the default (USD). DuckDB adds no constraint to an existing table: readers
-- take NULL as empty.
ALTER TABLE users ADD COLUMN currency VARCHAR DEFAULT '';

-- +goose Down
ALTER TABLE users DROP COLUMN currency;
