-- simkeep schema, version 3: saved payment methods, and the request behind each payment attempt.
-- The same statements on SQLite and PostgreSQL.

-- A card kept at the provider for later charges (auto-renewal, one-tap renewals). Only the
-- provider's token, the brand, the last four digits and the expiry are kept, never the number.
-- pending: the provider is being asked to tokenise the card; active: usable; failed: the
-- provider refused it or never answered; removed: no longer usable (a token still set is yet to
-- be deleted at the provider, and is cleared once it is).
CREATE TABLE saved_payment_methods (
  saved_method_id TEXT PRIMARY KEY,
  line_id TEXT NOT NULL REFERENCES lines (line_id),
  method TEXT NOT NULL CHECK (method IN ('card')),
  provider TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'failed', 'removed')),
  token TEXT NOT NULL,
  card_brand TEXT NOT NULL,
  card_last4 TEXT NOT NULL,
  exp_month INTEGER NOT NULL CHECK (exp_month BETWEEN 0 AND 12),
  exp_year INTEGER NOT NULL,
  failure_reason TEXT NOT NULL,
  -- "<api key id>:<Idempotency-Key>" of the request that saved it.
  idempotency_key TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  CHECK (status <> 'active' OR token <> '')
);

CREATE INDEX saved_payment_methods_line ON saved_payment_methods (line_id, created_at);
-- Serves the sweep: saves left pending by a crash, tokens still to delete at the provider.
CREATE INDEX saved_payment_methods_status ON saved_payment_methods (status, updated_at);

-- The saved method a payment was charged to, if any, and the request that started the attempt
-- ("<api key id>:<Idempotency-Key>"; an order paid again has attempts from several requests).
ALTER TABLE payments ADD COLUMN saved_method_id TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN idempotency_key TEXT NOT NULL DEFAULT '';

-- The sandbox provider's vault: the cards it tokenised. As a real provider's vault, it holds
-- what it needs to decide a charge's outcome; simkeep's own tables never see it.
CREATE TABLE sandbox_saved_cards (
  token TEXT PRIMARY KEY,
  saved_method_id TEXT NOT NULL UNIQUE,
  card_brand TEXT NOT NULL,
  card_last4 TEXT NOT NULL,
  exp_month INTEGER NOT NULL,
  exp_year INTEGER NOT NULL,
  created_at BIGINT NOT NULL,
  deleted_at BIGINT
);
