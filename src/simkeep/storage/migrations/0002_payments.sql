-- simkeep schema, version 2: payments by every method, several attempts per order, refunds,
-- provider webhooks and the sandbox provider's own books. The payments table itself changes in
-- the dialect files, which run after this one (SQLite rebuilds the table; PostgreSQL alters it),
-- to the same columns in the same order on both.

-- A refund of part or all of a succeeded card or wallet payment, asked for by staff with a
-- reason. Pending while the provider is asked; the ledger is reversed only when it succeeded.
CREATE TABLE refunds (
  refund_id TEXT PRIMARY KEY,
  payment_id TEXT NOT NULL REFERENCES payments (payment_id),
  order_id TEXT NOT NULL REFERENCES orders (order_id),
  amount_jpy BIGINT NOT NULL CHECK (amount_jpy > 0),
  reason TEXT NOT NULL CHECK (reason <> ''),
  status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  failure_reason TEXT NOT NULL,
  provider_reference TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE INDEX refunds_payment ON refunds (payment_id, created_at);
-- Serves the sweep of refunds whose outcome is not known yet.
CREATE INDEX refunds_status_created ON refunds (status, created_at);

-- Every verified webhook delivery, stored raw. The key makes a delivery applied once however
-- often the provider sends it.
CREATE TABLE webhook_deliveries (
  provider TEXT NOT NULL,
  delivery_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  payment_id TEXT NOT NULL,
  body TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  PRIMARY KEY (provider, delivery_id)
);

-- The sandbox provider's own books: what the simulated provider holds for each payment it was
-- asked to collect. Kept in the same database so that every instance and `simkeep sandbox
-- settle` see them; no foreign keys, as a real provider's books have none with ours.
CREATE TABLE sandbox_charges (
  payment_id TEXT PRIMARY KEY,
  method TEXT NOT NULL,
  amount_jpy BIGINT NOT NULL CHECK (amount_jpy > 0),
  status TEXT NOT NULL CHECK (status IN ('requires_action', 'succeeded', 'failed', 'canceled')),
  failure_reason TEXT NOT NULL,
  card_brand TEXT NOT NULL,
  card_last4 TEXT NOT NULL,
  action_kind TEXT NOT NULL,
  action_url TEXT NOT NULL,
  qr_payload TEXT NOT NULL,
  konbini_store TEXT NOT NULL,
  payment_number TEXT NOT NULL,
  confirmation_number TEXT NOT NULL,
  institution_number TEXT NOT NULL,
  action_expires_at BIGINT,
  refunded_jpy BIGINT NOT NULL CHECK (refunded_jpy >= 0 AND refunded_jpy <= amount_jpy),
  created_at BIGINT NOT NULL,
  captured_at BIGINT,
  updated_at BIGINT NOT NULL
);

CREATE INDEX sandbox_charges_captured ON sandbox_charges (captured_at);

CREATE TABLE sandbox_refunds (
  refund_id TEXT PRIMARY KEY,
  payment_id TEXT NOT NULL,
  amount_jpy BIGINT NOT NULL CHECK (amount_jpy > 0),
  created_at BIGINT NOT NULL
);

-- Serves reconciliation and refunds: the transfers an order (the reference) made.
CREATE INDEX ledger_transfers_reference ON ledger_transfers (reference);

-- The service charge of the payment method included in amount_jpy (konbini, Pay-easy): a
-- taxable line of the receipt, revenue in the ledger.
ALTER TABLE orders ADD COLUMN fee_jpy BIGINT NOT NULL DEFAULT 0 CHECK (fee_jpy >= 0);
