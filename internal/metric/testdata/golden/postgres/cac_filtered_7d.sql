-- statement 1
SELECT p.i, f."country", count(*)
FROM (SELECT m.d, t."country", row_number() OVER (PARTITION BY m.k ORDER BY t."created_at", t."platform", t."store", t."order_id") AS n FROM "orders" t JOIN (SELECT t."buyer_ref" AS k, min(t."created_at_local") AS d FROM "orders" t WHERE t."tenant_id" = $1 AND t."buyer_ref" IS NOT NULL AND t."created_at_local" IS NOT NULL AND t."country" IN ($2, $3) AND t."platform" IN ($4) GROUP BY 1 HAVING min(t."created_at_local") BETWEEN CAST($5 AS DATE) AND CAST($6 AS DATE)) m ON t."buyer_ref" = m.k AND t."created_at_local" = m.d WHERE t."tenant_id" = $7 AND t."buyer_ref" IS NOT NULL AND t."created_at_local" IS NOT NULL AND t."country" IN ($8, $9) AND t."platform" IN ($10) AND t."created_at_local" BETWEEN CAST($11 AS DATE) AND CAST($12 AS DATE)) f
JOIN (VALUES (CAST($13 AS INTEGER), CAST($14 AS DATE), CAST($15 AS DATE)), (CAST($16 AS INTEGER), CAST($17 AS DATE), CAST($18 AS DATE))) AS p(i, f, e) ON f.d BETWEEN p.f AND p.e
WHERE f.n = 1
GROUP BY 1, 2;
-- $1 = "acme"
-- $2 = "BR"
-- $3 = "MX"
-- $4 = "mercadolibre"
-- $5 = "2026-03-02"
-- $6 = "2026-03-09"
-- $7 = "acme"
-- $8 = "BR"
-- $9 = "MX"
-- $10 = "mercadolibre"
-- $11 = "2026-03-02"
-- $12 = "2026-03-09"
-- $13 = 0
-- $14 = "2026-03-02"
-- $15 = "2026-03-08"
-- $16 = 1
-- $17 = "2026-03-03"
-- $18 = "2026-03-09"

-- statement 2
SELECT t."date" AS d, t."country", t."currency", sum(CAST(t."spend" AS DOUBLE PRECISION))
FROM "ads" t
WHERE t."tenant_id" = $1 AND t."date" BETWEEN CAST($2 AS DATE) AND CAST($3 AS DATE) AND t."country" IN ($4, $5) AND t."platform" IN ($6)
GROUP BY 1, 2, 3;
-- $1 = "acme"
-- $2 = "2026-03-02"
-- $3 = "2026-03-09"
-- $4 = "BR"
-- $5 = "MX"
-- $6 = "mercadolibre"

