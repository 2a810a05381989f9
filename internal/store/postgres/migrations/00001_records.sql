-- Code generated from internal/record by the engine's TestMigrationMatchesContract -update; DO NOT EDIT.
-- +goose Up
CREATE TABLE "orders" (
    "tenant_id" TEXT NOT NULL,
    "order_id" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "country" TEXT NOT NULL,
    "store" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "paid_at" TIMESTAMPTZ,
    "handling_deadline" TIMESTAMPTZ,
    "shipped_at" TIMESTAMPTZ,
    "estimated_delivery_at" TIMESTAMPTZ,
    "delivered_at" TIMESTAMPTZ,
    "cancelled_at" TIMESTAMPTZ,
    "cancel_by" TEXT,
    "status" TEXT,
    "currency" TEXT,
    "gross_amount" DOUBLE PRECISION,
    "platform_fee" DOUBLE PRECISION,
    "shipping_cost" DOUBLE PRECISION,
    "cogs" DOUBLE PRECISION,
    "ad_cost" DOUBLE PRECISION,
    "buyer_ref" TEXT,
    "fulfillment" TEXT,
    "warehouse" TEXT,
    "carrier" TEXT,
    "sku" TEXT,
    "category" TEXT,
    "units" BIGINT,
    "created_at_local" DATE,
    "paid_at_local" DATE,
    "handling_deadline_local" DATE,
    "shipped_at_local" DATE,
    "estimated_delivery_at_local" DATE,
    "delivered_at_local" DATE,
    "cancelled_at_local" DATE,
    "attrs" TEXT,
    "source" TEXT NOT NULL,
    "ingested_at" TIMESTAMPTZ NOT NULL,
    PRIMARY KEY ("tenant_id", "platform", "store", "order_id")
);
CREATE INDEX "orders_country_created_at_local_idx" ON "orders" ("tenant_id", "country", "created_at_local");
CREATE INDEX "orders_country_shipped_at_local_idx" ON "orders" ("tenant_id", "country", "shipped_at_local");
CREATE INDEX "orders_country_delivered_at_local_idx" ON "orders" ("tenant_id", "country", "delivered_at_local");

CREATE TABLE "order_items" (
    "tenant_id" TEXT NOT NULL,
    "order_id" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "store" TEXT NOT NULL,
    "country" TEXT NOT NULL,
    "line" BIGINT NOT NULL,
    "sku" TEXT,
    "category" TEXT,
    "units" BIGINT,
    "unit_price" DOUBLE PRECISION,
    "currency" TEXT,
    "attrs" TEXT,
    "source" TEXT NOT NULL,
    "ingested_at" TIMESTAMPTZ NOT NULL,
    PRIMARY KEY ("tenant_id", "platform", "store", "order_id", "line")
);

CREATE TABLE "shipments" (
    "tenant_id" TEXT NOT NULL,
    "shipment_id" TEXT NOT NULL,
    "order_id" TEXT,
    "platform" TEXT,
    "store" TEXT,
    "country" TEXT NOT NULL,
    "carrier" TEXT NOT NULL,
    "service" TEXT,
    "handed_over_at" TIMESTAMPTZ,
    "departed_origin_at" TIMESTAMPTZ,
    "arrived_destination_at" TIMESTAMPTZ,
    "customs_submitted_at" TIMESTAMPTZ,
    "customs_cleared_at" TIMESTAMPTZ,
    "customs_held" BOOLEAN,
    "tax_bill_returns" BIGINT,
    "out_for_delivery_at" TIMESTAMPTZ,
    "delivery_attempts" BIGINT,
    "delivered_at" TIMESTAMPTZ,
    "lost_at" TIMESTAMPTZ,
    "returned_to_sender_at" TIMESTAMPTZ,
    "shipping_cost" DOUBLE PRECISION,
    "currency" TEXT,
    "handed_over_at_local" DATE,
    "departed_origin_at_local" DATE,
    "arrived_destination_at_local" DATE,
    "customs_submitted_at_local" DATE,
    "customs_cleared_at_local" DATE,
    "out_for_delivery_at_local" DATE,
    "delivered_at_local" DATE,
    "lost_at_local" DATE,
    "returned_to_sender_at_local" DATE,
    "attrs" TEXT,
    "source" TEXT NOT NULL,
    "ingested_at" TIMESTAMPTZ NOT NULL,
    PRIMARY KEY ("tenant_id", "shipment_id")
);
CREATE INDEX "shipments_country_handed_over_at_local_idx" ON "shipments" ("tenant_id", "country", "handed_over_at_local");
CREATE INDEX "shipments_country_delivered_at_local_idx" ON "shipments" ("tenant_id", "country", "delivered_at_local");
CREATE INDEX "shipments_platform_store_order_id_idx" ON "shipments" ("tenant_id", "platform", "store", "order_id");

CREATE TABLE "returns" (
    "tenant_id" TEXT NOT NULL,
    "return_id" TEXT NOT NULL,
    "order_id" TEXT,
    "platform" TEXT NOT NULL,
    "store" TEXT NOT NULL,
    "country" TEXT NOT NULL,
    "sku" TEXT,
    "category" TEXT,
    "reason" TEXT,
    "reason_text" TEXT,
    "requested_at" TIMESTAMPTZ NOT NULL,
    "received_at" TIMESTAMPTZ,
    "processed_at" TIMESTAMPTZ,
    "refund_amount" DOUBLE PRECISION,
    "currency" TEXT,
    "resolution" TEXT,
    "requested_at_local" DATE,
    "received_at_local" DATE,
    "processed_at_local" DATE,
    "attrs" TEXT,
    "source" TEXT NOT NULL,
    "ingested_at" TIMESTAMPTZ NOT NULL,
    PRIMARY KEY ("tenant_id", "platform", "store", "return_id")
);
CREATE INDEX "returns_country_requested_at_local_idx" ON "returns" ("tenant_id", "country", "requested_at_local");

CREATE TABLE "tickets" (
    "tenant_id" TEXT NOT NULL,
    "ticket_id" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "store" TEXT NOT NULL,
    "country" TEXT NOT NULL,
    "order_id" TEXT,
    "channel" TEXT,
    "created_at" TIMESTAMPTZ NOT NULL,
    "first_response_at" TIMESTAMPTZ,
    "resolved_at" TIMESTAMPTZ,
    "is_dispute" BOOLEAN,
    "dispute_outcome" TEXT,
    "csat" BIGINT,
    "agent" TEXT,
    "led_to_order" BOOLEAN,
    "created_at_local" DATE,
    "first_response_at_local" DATE,
    "resolved_at_local" DATE,
    "attrs" TEXT,
    "source" TEXT NOT NULL,
    "ingested_at" TIMESTAMPTZ NOT NULL,
    PRIMARY KEY ("tenant_id", "platform", "store", "ticket_id")
);
CREATE INDEX "tickets_country_created_at_local_idx" ON "tickets" ("tenant_id", "country", "created_at_local");

CREATE TABLE "reviews" (
    "tenant_id" TEXT NOT NULL,
    "review_id" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "store" TEXT NOT NULL,
    "country" TEXT NOT NULL,
    "order_id" TEXT,
    "sku" TEXT,
    "category" TEXT,
    "rating" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "created_at_local" DATE,
    "attrs" TEXT,
    "source" TEXT NOT NULL,
    "ingested_at" TIMESTAMPTZ NOT NULL,
    PRIMARY KEY ("tenant_id", "platform", "store", "review_id")
);
CREATE INDEX "reviews_country_created_at_local_idx" ON "reviews" ("tenant_id", "country", "created_at_local");

CREATE TABLE "nps_responses" (
    "tenant_id" TEXT NOT NULL,
    "response_id" TEXT NOT NULL,
    "platform" TEXT,
    "store" TEXT,
    "country" TEXT NOT NULL,
    "score" BIGINT NOT NULL,
    "responded_at" TIMESTAMPTZ NOT NULL,
    "responded_at_local" DATE,
    "attrs" TEXT,
    "source" TEXT NOT NULL,
    "ingested_at" TIMESTAMPTZ NOT NULL,
    PRIMARY KEY ("tenant_id", "response_id")
);
CREATE INDEX "nps_responses_country_responded_at_local_idx" ON "nps_responses" ("tenant_id", "country", "responded_at_local");

CREATE TABLE "ads" (
    "tenant_id" TEXT NOT NULL,
    "date" DATE NOT NULL,
    "platform" TEXT NOT NULL,
    "store" TEXT NOT NULL,
    "country" TEXT NOT NULL,
    "campaign" TEXT NOT NULL,
    "currency" TEXT,
    "spend" DOUBLE PRECISION,
    "attributed_sales" DOUBLE PRECISION,
    "impressions" BIGINT,
    "clicks" BIGINT,
    "attributed_orders" BIGINT,
    "attrs" TEXT,
    "source" TEXT NOT NULL,
    "ingested_at" TIMESTAMPTZ NOT NULL,
    PRIMARY KEY ("tenant_id", "date", "platform", "store", "country", "campaign")
);

CREATE TABLE "traffic" (
    "tenant_id" TEXT NOT NULL,
    "date" DATE NOT NULL,
    "platform" TEXT NOT NULL,
    "store" TEXT NOT NULL,
    "country" TEXT NOT NULL,
    "visits" BIGINT,
    "attrs" TEXT,
    "source" TEXT NOT NULL,
    "ingested_at" TIMESTAMPTZ NOT NULL,
    PRIMARY KEY ("tenant_id", "date", "platform", "store", "country")
);

CREATE TABLE "inventory" (
    "tenant_id" TEXT NOT NULL,
    "date" DATE NOT NULL,
    "warehouse" TEXT NOT NULL,
    "country" TEXT NOT NULL,
    "sku" TEXT NOT NULL,
    "category" TEXT,
    "on_hand_units" BIGINT,
    "unit_cost" DOUBLE PRECISION,
    "currency" TEXT,
    "inbound_units" BIGINT,
    "attrs" TEXT,
    "source" TEXT NOT NULL,
    "ingested_at" TIMESTAMPTZ NOT NULL,
    PRIMARY KEY ("tenant_id", "date", "warehouse", "sku")
);

CREATE TABLE "purchase_orders" (
    "tenant_id" TEXT NOT NULL,
    "po_id" TEXT NOT NULL,
    "supplier" TEXT,
    "country" TEXT NOT NULL,
    "warehouse" TEXT,
    "created_at" TIMESTAMPTZ NOT NULL,
    "supplier_shipped_at" TIMESTAMPTZ,
    "first_leg_departed_at" TIMESTAMPTZ,
    "first_leg_arrived_at" TIMESTAMPTZ,
    "received_at" TIMESTAMPTZ,
    "expected_received_at" TIMESTAMPTZ,
    "units" BIGINT,
    "currency" TEXT,
    "amount" DOUBLE PRECISION,
    "created_at_local" DATE,
    "supplier_shipped_at_local" DATE,
    "first_leg_departed_at_local" DATE,
    "first_leg_arrived_at_local" DATE,
    "received_at_local" DATE,
    "expected_received_at_local" DATE,
    "attrs" TEXT,
    "source" TEXT NOT NULL,
    "ingested_at" TIMESTAMPTZ NOT NULL,
    PRIMARY KEY ("tenant_id", "po_id")
);

CREATE TABLE "platform_scores" (
    "tenant_id" TEXT NOT NULL,
    "date" DATE NOT NULL,
    "platform" TEXT NOT NULL,
    "store" TEXT NOT NULL,
    "country" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "attrs" TEXT,
    "source" TEXT NOT NULL,
    "ingested_at" TIMESTAMPTZ NOT NULL,
    PRIMARY KEY ("tenant_id", "date", "platform", "store", "country", "metric")
);

CREATE TABLE "fx_rates" (
    "tenant_id" TEXT NOT NULL,
    "date" DATE NOT NULL,
    "currency" TEXT NOT NULL,
    "per_usd" DOUBLE PRECISION NOT NULL,
    "attrs" TEXT,
    "source" TEXT NOT NULL,
    "ingested_at" TIMESTAMPTZ NOT NULL,
    PRIMARY KEY ("tenant_id", "date", "currency")
);

-- +goose Down
DROP TABLE "fx_rates";
DROP TABLE "platform_scores";
DROP TABLE "purchase_orders";
DROP TABLE "inventory";
DROP TABLE "traffic";
DROP TABLE "ads";
DROP TABLE "nps_responses";
DROP TABLE "reviews";
DROP TABLE "tickets";
DROP TABLE "returns";
DROP TABLE "shipments";
DROP TABLE "order_items";
DROP TABLE "orders";
