-- Code generated from internal/record by the engine's TestMigrationMatchesContract -update; DO NOT EDIT.
-- +goose Up
CREATE TABLE "orders" (
    "tenant_id" VARCHAR NOT NULL,
    "order_id" VARCHAR NOT NULL,
    "platform" VARCHAR NOT NULL,
    "country" VARCHAR NOT NULL,
    "store" VARCHAR NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "paid_at" TIMESTAMPTZ,
    "handling_deadline" TIMESTAMPTZ,
    "shipped_at" TIMESTAMPTZ,
    "estimated_delivery_at" TIMESTAMPTZ,
    "delivered_at" TIMESTAMPTZ,
    "cancelled_at" TIMESTAMPTZ,
    "cancel_by" VARCHAR,
    "status" VARCHAR,
    "currency" VARCHAR,
    "gross_amount" DOUBLE,
    "platform_fee" DOUBLE,
    "shipping_cost" DOUBLE,
    "cogs" DOUBLE,
    "ad_cost" DOUBLE,
    "buyer_ref" VARCHAR,
    "fulfillment" VARCHAR,
    "warehouse" VARCHAR,
    "carrier" VARCHAR,
    "sku" VARCHAR,
    "category" VARCHAR,
    "units" BIGINT,
    "created_at_local" DATE,
    "paid_at_local" DATE,
    "handling_deadline_local" DATE,
    "shipped_at_local" DATE,
    "estimated_delivery_at_local" DATE,
    "delivered_at_local" DATE,
    "cancelled_at_local" DATE,
    "attrs" VARCHAR,
    "source" VARCHAR NOT NULL,
    "ingested_at" TIMESTAMPTZ NOT NULL
);

CREATE TABLE "order_items" (
    "tenant_id" VARCHAR NOT NULL,
    "order_id" VARCHAR NOT NULL,
    "platform" VARCHAR NOT NULL,
    "store" VARCHAR NOT NULL,
    "country" VARCHAR NOT NULL,
    "line" BIGINT NOT NULL,
    "sku" VARCHAR,
    "category" VARCHAR,
    "units" BIGINT,
    "unit_price" DOUBLE,
    "currency" VARCHAR,
    "attrs" VARCHAR,
    "source" VARCHAR NOT NULL,
    "ingested_at" TIMESTAMPTZ NOT NULL
);

CREATE TABLE "shipments" (
    "tenant_id" VARCHAR NOT NULL,
    "shipment_id" VARCHAR NOT NULL,
    "order_id" VARCHAR,
    "platform" VARCHAR,
    "store" VARCHAR,
    "country" VARCHAR NOT NULL,
    "carrier" VARCHAR NOT NULL,
    "service" VARCHAR,
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
    "shipping_cost" DOUBLE,
    "currency" VARCHAR,
    "handed_over_at_local" DATE,
    "departed_origin_at_local" DATE,
    "arrived_destination_at_local" DATE,
    "customs_submitted_at_local" DATE,
    "customs_cleared_at_local" DATE,
    "out_for_delivery_at_local" DATE,
    "delivered_at_local" DATE,
    "lost_at_local" DATE,
    "returned_to_sender_at_local" DATE,
    "attrs" VARCHAR,
    "source" VARCHAR NOT NULL,
    "ingested_at" TIMESTAMPTZ NOT NULL
);

CREATE TABLE "returns" (
    "tenant_id" VARCHAR NOT NULL,
    "return_id" VARCHAR NOT NULL,
    "order_id" VARCHAR,
    "platform" VARCHAR NOT NULL,
    "store" VARCHAR NOT NULL,
    "country" VARCHAR NOT NULL,
    "sku" VARCHAR,
    "category" VARCHAR,
    "reason" VARCHAR,
    "reason_text" VARCHAR,
    "requested_at" TIMESTAMPTZ NOT NULL,
    "received_at" TIMESTAMPTZ,
    "processed_at" TIMESTAMPTZ,
    "refund_amount" DOUBLE,
    "currency" VARCHAR,
    "resolution" VARCHAR,
    "requested_at_local" DATE,
    "received_at_local" DATE,
    "processed_at_local" DATE,
    "attrs" VARCHAR,
    "source" VARCHAR NOT NULL,
    "ingested_at" TIMESTAMPTZ NOT NULL
);

CREATE TABLE "tickets" (
    "tenant_id" VARCHAR NOT NULL,
    "ticket_id" VARCHAR NOT NULL,
    "platform" VARCHAR NOT NULL,
    "store" VARCHAR NOT NULL,
    "country" VARCHAR NOT NULL,
    "order_id" VARCHAR,
    "channel" VARCHAR,
    "created_at" TIMESTAMPTZ NOT NULL,
    "first_response_at" TIMESTAMPTZ,
    "resolved_at" TIMESTAMPTZ,
    "is_dispute" BOOLEAN,
    "dispute_outcome" VARCHAR,
    "csat" BIGINT,
    "agent" VARCHAR,
    "led_to_order" BOOLEAN,
    "created_at_local" DATE,
    "first_response_at_local" DATE,
    "resolved_at_local" DATE,
    "attrs" VARCHAR,
    "source" VARCHAR NOT NULL,
    "ingested_at" TIMESTAMPTZ NOT NULL
);

CREATE TABLE "reviews" (
    "tenant_id" VARCHAR NOT NULL,
    "review_id" VARCHAR NOT NULL,
    "platform" VARCHAR NOT NULL,
    "store" VARCHAR NOT NULL,
    "country" VARCHAR NOT NULL,
    "order_id" VARCHAR,
    "sku" VARCHAR,
    "category" VARCHAR,
    "rating" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "created_at_local" DATE,
    "attrs" VARCHAR,
    "source" VARCHAR NOT NULL,
    "ingested_at" TIMESTAMPTZ NOT NULL
);

CREATE TABLE "nps_responses" (
    "tenant_id" VARCHAR NOT NULL,
    "response_id" VARCHAR NOT NULL,
    "platform" VARCHAR,
    "store" VARCHAR,
    "country" VARCHAR NOT NULL,
    "score" BIGINT NOT NULL,
    "responded_at" TIMESTAMPTZ NOT NULL,
    "responded_at_local" DATE,
    "attrs" VARCHAR,
    "source" VARCHAR NOT NULL,
    "ingested_at" TIMESTAMPTZ NOT NULL
);

CREATE TABLE "ads" (
    "tenant_id" VARCHAR NOT NULL,
    "date" DATE NOT NULL,
    "platform" VARCHAR NOT NULL,
    "store" VARCHAR NOT NULL,
    "country" VARCHAR NOT NULL,
    "campaign" VARCHAR NOT NULL,
    "currency" VARCHAR,
    "spend" DOUBLE,
    "attributed_sales" DOUBLE,
    "impressions" BIGINT,
    "clicks" BIGINT,
    "attributed_orders" BIGINT,
    "attrs" VARCHAR,
    "source" VARCHAR NOT NULL,
    "ingested_at" TIMESTAMPTZ NOT NULL
);

CREATE TABLE "traffic" (
    "tenant_id" VARCHAR NOT NULL,
    "date" DATE NOT NULL,
    "platform" VARCHAR NOT NULL,
    "store" VARCHAR NOT NULL,
    "country" VARCHAR NOT NULL,
    "visits" BIGINT,
    "attrs" VARCHAR,
    "source" VARCHAR NOT NULL,
    "ingested_at" TIMESTAMPTZ NOT NULL
);

CREATE TABLE "inventory" (
    "tenant_id" VARCHAR NOT NULL,
    "date" DATE NOT NULL,
    "warehouse" VARCHAR NOT NULL,
    "country" VARCHAR NOT NULL,
    "sku" VARCHAR NOT NULL,
    "category" VARCHAR,
    "on_hand_units" BIGINT,
    "unit_cost" DOUBLE,
    "currency" VARCHAR,
    "inbound_units" BIGINT,
    "attrs" VARCHAR,
    "source" VARCHAR NOT NULL,
    "ingested_at" TIMESTAMPTZ NOT NULL
);

CREATE TABLE "purchase_orders" (
    "tenant_id" VARCHAR NOT NULL,
    "po_id" VARCHAR NOT NULL,
    "supplier" VARCHAR,
    "country" VARCHAR NOT NULL,
    "warehouse" VARCHAR,
    "created_at" TIMESTAMPTZ NOT NULL,
    "supplier_shipped_at" TIMESTAMPTZ,
    "first_leg_departed_at" TIMESTAMPTZ,
    "first_leg_arrived_at" TIMESTAMPTZ,
    "received_at" TIMESTAMPTZ,
    "expected_received_at" TIMESTAMPTZ,
    "units" BIGINT,
    "currency" VARCHAR,
    "amount" DOUBLE,
    "created_at_local" DATE,
    "supplier_shipped_at_local" DATE,
    "first_leg_departed_at_local" DATE,
    "first_leg_arrived_at_local" DATE,
    "received_at_local" DATE,
    "expected_received_at_local" DATE,
    "attrs" VARCHAR,
    "source" VARCHAR NOT NULL,
    "ingested_at" TIMESTAMPTZ NOT NULL
);

CREATE TABLE "platform_scores" (
    "tenant_id" VARCHAR NOT NULL,
    "date" DATE NOT NULL,
    "platform" VARCHAR NOT NULL,
    "store" VARCHAR NOT NULL,
    "country" VARCHAR NOT NULL,
    "metric" VARCHAR NOT NULL,
    "value" DOUBLE NOT NULL,
    "attrs" VARCHAR,
    "source" VARCHAR NOT NULL,
    "ingested_at" TIMESTAMPTZ NOT NULL
);

CREATE TABLE "fx_rates" (
    "tenant_id" VARCHAR NOT NULL,
    "date" DATE NOT NULL,
    "currency" VARCHAR NOT NULL,
    "per_usd" DOUBLE NOT NULL,
    "attrs" VARCHAR,
    "source" VARCHAR NOT NULL,
    "ingested_at" TIMESTAMPTZ NOT NULL
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
