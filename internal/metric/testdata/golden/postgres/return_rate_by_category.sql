-- statement 1
SELECT t."delivered_at_local" AS d, t."category", count(*)
FROM "orders" t
WHERE t."tenant_id" = $1 AND t."delivered_at_local" BETWEEN CAST($2 AS DATE) AND CAST($3 AS DATE)
GROUP BY 1, 2;
-- $1 = "acme"
-- $2 = "2026-03-02"
-- $3 = "2026-03-04"

-- statement 2
SELECT t."requested_at_local" AS d, t."category", count(*)
FROM "returns" t
WHERE t."tenant_id" = $1 AND t."requested_at_local" BETWEEN CAST($2 AS DATE) AND CAST($3 AS DATE)
GROUP BY 1, 2;
-- $1 = "acme"
-- $2 = "2026-03-02"
-- $3 = "2026-03-04"

