-- statement 1
SELECT t."created_at_local" AS d, t."currency", sum(CAST(t."gross_amount" AS DOUBLE PRECISION)) FILTER (WHERE ((t."status" <> CAST($4 AS TEXT)))), count(*) FILTER (WHERE (((t."status" <> CAST($5 AS TEXT)) AND (t."gross_amount" IS NOT NULL)))), sum(CAST(t."cogs" AS DOUBLE PRECISION)) FILTER (WHERE ((t."status" <> CAST($6 AS TEXT)))), sum(CAST(t."ad_cost" AS DOUBLE PRECISION)) FILTER (WHERE ((t."status" <> CAST($7 AS TEXT)))), sum(CAST(t."platform_fee" AS DOUBLE PRECISION)) FILTER (WHERE ((t."status" <> CAST($8 AS TEXT)))), sum(CAST(t."shipping_cost" AS DOUBLE PRECISION)) FILTER (WHERE ((t."status" <> CAST($9 AS TEXT))))
FROM "orders" t
WHERE t."tenant_id" = $1 AND t."created_at_local" BETWEEN CAST($2 AS DATE) AND CAST($3 AS DATE)
GROUP BY 1, 2;
-- $1 = "acme"
-- $2 = "2026-03-01"
-- $3 = "2026-03-31"
-- $4 = "cancelled"
-- $5 = "cancelled"
-- $6 = "cancelled"
-- $7 = "cancelled"
-- $8 = "cancelled"
-- $9 = "cancelled"

