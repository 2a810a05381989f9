-- statement 1
SELECT make_date(CAST(extract(year FROM t."date") AS INTEGER), CAST(extract(quarter FROM t."date") AS INTEGER) * 3 - 2, 1), count(DISTINCT t."date")
FROM "inventory" t
WHERE t."tenant_id" = $1 AND t."date" BETWEEN CAST($2 AS DATE) AND CAST($3 AS DATE)
GROUP BY 1;
-- $1 = "acme"
-- $2 = "2026-01-01"
-- $3 = "2026-03-31"

-- statement 2
SELECT t."shipped_at_local" AS d, t."currency", sum(CAST(t."cogs" AS DOUBLE PRECISION))
FROM "orders" t
WHERE t."tenant_id" = $1 AND t."shipped_at_local" BETWEEN CAST($2 AS DATE) AND CAST($3 AS DATE)
GROUP BY 1, 2;
-- $1 = "acme"
-- $2 = "2026-01-01"
-- $3 = "2026-03-31"

-- statement 3
SELECT t."date" AS d, t."currency", sum(CAST((t."on_hand_units" * t."unit_cost") AS DOUBLE PRECISION))
FROM "inventory" t
WHERE t."tenant_id" = $1 AND t."date" BETWEEN CAST($2 AS DATE) AND CAST($3 AS DATE)
GROUP BY 1, 2;
-- $1 = "acme"
-- $2 = "2026-01-01"
-- $3 = "2026-03-31"

