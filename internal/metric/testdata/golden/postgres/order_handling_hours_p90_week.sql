-- statement 1
SELECT t."shipped_at_local" - CAST(extract(isodow FROM t."shipped_at_local") AS INTEGER) + 1, percentile_cont(0.9) WITHIN GROUP (ORDER BY (CAST(extract(epoch from t."shipped_at") - extract(epoch from COALESCE(t."paid_at", t."created_at")) AS DOUBLE PRECISION) / 3600))
FROM "orders" t
WHERE t."tenant_id" = $1 AND t."shipped_at_local" BETWEEN CAST($2 AS DATE) AND CAST($3 AS DATE)
GROUP BY 1;
-- $1 = "acme"
-- $2 = "2026-03-02"
-- $3 = "2026-03-15"

