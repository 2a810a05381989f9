-- statement 1
SELECT p.i, percentile_cont(0.9) WITHIN GROUP (ORDER BY (CAST(epoch(t."shipped_at") - epoch(COALESCE(t."paid_at", t."created_at")) AS DOUBLE PRECISION) / 3600))
FROM "orders" t
JOIN (VALUES (CAST($4 AS INTEGER), CAST($5 AS DATE), CAST($6 AS DATE)), (CAST($7 AS INTEGER), CAST($8 AS DATE), CAST($9 AS DATE))) AS p(i, f, e) ON t."shipped_at_local" BETWEEN p.f AND p.e
WHERE t."tenant_id" = $1 AND t."shipped_at_local" BETWEEN CAST($2 AS DATE) AND CAST($3 AS DATE)
GROUP BY 1;
-- $1 = "acme"
-- $2 = "2026-03-02"
-- $3 = "2026-03-15"
-- $4 = 0
-- $5 = "2026-03-02"
-- $6 = "2026-03-08"
-- $7 = 1
-- $8 = "2026-03-09"
-- $9 = "2026-03-15"

