-- statement 1
SELECT p.i, f."country", count(*)
FROM (SELECT min(t."created_at_local") AS d, arg_min(t."country", (t."created_at_local", t."created_at", t."platform", t."store", t."order_id")) AS "country" FROM "orders" t WHERE t."tenant_id" = $1 AND t."buyer_ref" IS NOT NULL AND t."created_at_local" IS NOT NULL AND t."country" IN ($2, $3) AND t."platform" IN ($4) GROUP BY t."buyer_ref" HAVING min(t."created_at_local") BETWEEN CAST($5 AS DATE) AND CAST($6 AS DATE)) f
JOIN (VALUES (CAST($7 AS INTEGER), CAST($8 AS DATE), CAST($9 AS DATE)), (CAST($10 AS INTEGER), CAST($11 AS DATE), CAST($12 AS DATE))) AS p(i, f, e) ON f.d BETWEEN p.f AND p.e
GROUP BY 1, 2;
-- $1 = "acme"
-- $2 = "BR"
-- $3 = "MX"
-- $4 = "mercadolibre"
-- $5 = "2026-03-02"
-- $6 = "2026-03-09"
-- $7 = 0
-- $8 = "2026-03-02"
-- $9 = "2026-03-08"
-- $10 = 1
-- $11 = "2026-03-03"
-- $12 = "2026-03-09"

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

