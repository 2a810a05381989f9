-- statement 1
SELECT kind, source, max(finished_at) FROM imports WHERE tenant_id = $1 AND finished_at <= CAST($2 AS TIMESTAMPTZ) GROUP BY 1, 2;
-- $1 = "acme"
-- $2 = "2026-06-01T12:00:00Z"

