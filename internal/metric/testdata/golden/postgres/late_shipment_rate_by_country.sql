-- statement 1
SELECT t."shipped_at_local" AS d, t."country", count(*) FILTER (WHERE ((t."shipped_at" > t."handling_deadline"))), count(*) FILTER (WHERE ((t."handling_deadline" IS NOT NULL)))
FROM "orders" t
WHERE t."tenant_id" = $1 AND t."shipped_at_local" BETWEEN CAST($2 AS DATE) AND CAST($3 AS DATE)
GROUP BY 1, 2;
-- $1 = "acme"
-- $2 = "2026-03-02"
-- $3 = "2026-03-08"

