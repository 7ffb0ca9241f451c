-- simkeep schema, version 2: the SQLite-only part. Runs after 0002_payments.sql in the same
-- transaction. Mirrors 0002_payments.postgresql.sql; keep the two in step.

-- payments: the UNIQUE order_id goes (an order may have several attempts; see the partial index
-- below), every method is allowed, and the columns of a payment waiting for the customer, of its
-- refunds and of its collection are added. SQLite cannot drop a constraint, so the table is
-- rebuilt with the old columns first, in their order, and the new ones after them.
CREATE TABLE payments_v2 (
  payment_id TEXT PRIMARY KEY,
  order_id TEXT NOT NULL REFERENCES orders (order_id),
  method TEXT NOT NULL
    CHECK (method IN ('balance', 'cash', 'card', 'paypay', 'linepay', 'paypal', 'alipay', 'wechatpay',
                    'bank_transfer', 'konbini', 'pay_easy', 'voucher')),
  provider TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'requires_action', 'succeeded', 'failed',
                                         'canceled', 'refunded')),
  amount_jpy BIGINT NOT NULL CHECK (amount_jpy >= 0),
  failure_reason TEXT NOT NULL,
  provider_reference TEXT NOT NULL,
  card_brand TEXT NOT NULL,
  card_last4 TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  refunded_jpy BIGINT NOT NULL DEFAULT 0,
  action_kind TEXT NOT NULL DEFAULT 'none',
  action_url TEXT NOT NULL DEFAULT '',
  qr_payload TEXT NOT NULL DEFAULT '',
  konbini_store TEXT NOT NULL DEFAULT '',
  payment_number TEXT NOT NULL DEFAULT '',
  confirmation_number TEXT NOT NULL DEFAULT '',
  institution_number TEXT NOT NULL DEFAULT '',
  action_expires_at BIGINT,
  succeeded_at BIGINT,
  CONSTRAINT payments_refunded_within_amount
    CHECK (refunded_jpy >= 0 AND refunded_jpy <= amount_jpy)
);
INSERT INTO payments_v2 (payment_id, order_id, method, provider, status, amount_jpy,
                         failure_reason, provider_reference, card_brand, card_last4, created_at,
                         updated_at, succeeded_at)
  SELECT payment_id, order_id, method, provider, status, amount_jpy, failure_reason,
         provider_reference, card_brand, card_last4, created_at, updated_at,
         CASE WHEN status IN ('succeeded', 'refunded') THEN updated_at END
  FROM payments;
DROP TABLE payments;
ALTER TABLE payments_v2 RENAME TO payments;

-- Serves ListPendingPayments (dropped with the old table).
CREATE INDEX payments_status_created ON payments (status, created_at);
-- At most one attempt per order is open or has collected money: a second live attempt, from
-- any instance, is refused by the database.
CREATE UNIQUE INDEX payments_one_live_per_order ON payments (order_id)
  WHERE status IN ('pending', 'requires_action', 'succeeded', 'refunded');
-- Serves the attempts of an order, newest last.
CREATE INDEX payments_order_created ON payments (order_id, created_at);
-- Serves the sweep of payments past their deadline.
CREATE INDEX payments_status_expires ON payments (status, action_expires_at);
-- Serves reconciliation: payments that collected money on a day.
CREATE INDEX payments_succeeded_at ON payments (succeeded_at);
