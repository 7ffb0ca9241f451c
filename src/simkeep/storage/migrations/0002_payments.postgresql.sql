-- simkeep schema, version 2: the PostgreSQL-only part. Runs after 0002_payments.sql in the same
-- transaction. Mirrors 0002_payments.sqlite.sql; keep the two in step.

-- payments: the UNIQUE order_id goes (an order may have several attempts; see the partial index
-- below), every method is allowed, and the columns of a payment waiting for the customer, of its
-- refunds and of its collection are added after the old ones.
ALTER TABLE payments DROP CONSTRAINT payments_order_id_key;
ALTER TABLE payments DROP CONSTRAINT payments_method_check;
ALTER TABLE payments ADD CONSTRAINT payments_method_check
  CHECK (method IN ('balance', 'cash', 'card', 'paypay', 'linepay', 'paypal', 'alipay', 'wechatpay',
                    'bank_transfer', 'konbini', 'pay_easy', 'voucher'));
ALTER TABLE payments
  ADD COLUMN refunded_jpy BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN action_kind TEXT NOT NULL DEFAULT 'none',
  ADD COLUMN action_url TEXT NOT NULL DEFAULT '',
  ADD COLUMN qr_payload TEXT NOT NULL DEFAULT '',
  ADD COLUMN konbini_store TEXT NOT NULL DEFAULT '',
  ADD COLUMN payment_number TEXT NOT NULL DEFAULT '',
  ADD COLUMN confirmation_number TEXT NOT NULL DEFAULT '',
  ADD COLUMN institution_number TEXT NOT NULL DEFAULT '',
  ADD COLUMN action_expires_at BIGINT,
  ADD COLUMN succeeded_at BIGINT,
  ADD CONSTRAINT payments_refunded_within_amount
    CHECK (refunded_jpy >= 0 AND refunded_jpy <= amount_jpy);
UPDATE payments SET succeeded_at = updated_at WHERE status IN ('succeeded', 'refunded');

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
