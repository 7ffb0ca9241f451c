-- simkeep schema, version 1.
--
-- Written in the common subset of SQLite and PostgreSQL: TEXT, INTEGER, BIGINT, CHECK, UNIQUE,
-- PRIMARY KEY, FOREIGN KEY and plain indexes. What differs between the two (identity columns,
-- the triggers that make history tables append-only) lives in 0001_init.<dialect>.sql, which
-- runs right after this file in the same transaction.
--
-- Conventions:
--   * times are BIGINT microseconds since the Unix epoch, UTC;
--   * money is BIGINT yen (tax included unless the column says otherwise);
--   * booleans are INTEGER 0 or 1;
--   * enums are TEXT holding the API name, guarded by a CHECK listing every value;
--   * an optional id or text is NULL when absent, never an empty string, so that UNIQUE and
--     FOREIGN KEY constraints ignore it.

CREATE TABLE schema_migrations (
  version BIGINT PRIMARY KEY,
  applied_at BIGINT NOT NULL
);

-- Catalog ----------------------------------------------------------------------------------------

CREATE TABLE carriers (
  carrier_id TEXT PRIMARY KEY
    CHECK (carrier_id IN ('docomo', 'au', 'softbank', 'rakuten')),
  name TEXT NOT NULL,
  keep_window_days INTEGER NOT NULL CHECK (keep_window_days >= 0),
  grace_days INTEGER NOT NULL CHECK (grace_days >= 0),
  suspension_to_termination_days INTEGER NOT NULL CHECK (suspension_to_termination_days >= 0),
  number_quarantine_days INTEGER NOT NULL CHECK (number_quarantine_days >= 0),
  activity_usage_charge_jpy_min BIGINT NOT NULL CHECK (activity_usage_charge_jpy_min >= 0)
);

CREATE TABLE carrier_bands (
  carrier_id TEXT NOT NULL REFERENCES carriers (carrier_id),
  position INTEGER NOT NULL CHECK (position >= 0),
  band TEXT NOT NULL,
  PRIMARY KEY (carrier_id, position)
);

-- A plan's fields other than its price. Prices live in plan_prices, one row per version.
CREATE TABLE plans (
  plan_id TEXT PRIMARY KEY,
  carrier_id TEXT NOT NULL REFERENCES carriers (carrier_id),
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('renewal', 'topping', 'topup')),
  service TEXT NOT NULL CHECK (service IN ('voice', 'data')),
  tax_rate_percent INTEGER NOT NULL CHECK (tax_rate_percent IN (0, 8, 10)),
  validity_days INTEGER NOT NULL CHECK (validity_days >= 0),
  validity_hours INTEGER NOT NULL CHECK (validity_hours >= 0),
  day_convention TEXT NOT NULL
    CHECK (day_convention IN ('hours_24', 'hours_24_end_of_day', 'calendar_days')),
  start_trigger TEXT NOT NULL
    CHECK (start_trigger IN ('purchase', 'redemption', 'profile_install', 'first_attach')),
  renewal_mode TEXT NOT NULL CHECK (renewal_mode IN ('extend', 'stack')),
  extend_cap_days INTEGER NOT NULL CHECK (extend_cap_days >= 0),
  daily_cap_bytes BIGINT CHECK (daily_cap_bytes IS NULL OR daily_cap_bytes > 0),
  auto_renewable INTEGER NOT NULL CHECK (auto_renewable IN (0, 1)),
  voice_jpy_per_30s BIGINT NOT NULL CHECK (voice_jpy_per_30s >= 0),
  sms_jpy_tenths BIGINT NOT NULL CHECK (sms_jpy_tenths >= 0),
  free_call_length_seconds INTEGER NOT NULL CHECK (free_call_length_seconds >= 0),
  activate_within_days INTEGER NOT NULL CHECK (activate_within_days >= 0),
  kyc_required INTEGER NOT NULL CHECK (kyc_required IN (0, 1))
);

-- Price history. A row is never updated or deleted: a price change is a new row.
CREATE TABLE plan_prices (
  plan_id TEXT NOT NULL REFERENCES plans (plan_id),
  effective_from BIGINT NOT NULL,
  price_jpy BIGINT NOT NULL CHECK (price_jpy >= 0),
  PRIMARY KEY (plan_id, effective_from)
);

CREATE TABLE plan_bundles (
  plan_id TEXT NOT NULL REFERENCES plans (plan_id),
  position INTEGER NOT NULL CHECK (position >= 0),
  kind TEXT NOT NULL CHECK (kind IN ('data', 'voice', 'sms', 'unlimited')),
  quantity BIGINT NOT NULL CHECK (quantity >= 0),
  PRIMARY KEY (plan_id, position)
);

CREATE TABLE plan_throttle_steps (
  plan_id TEXT NOT NULL REFERENCES plans (plan_id),
  position INTEGER NOT NULL CHECK (position >= 0),
  up_to_extra_bytes BIGINT NOT NULL CHECK (up_to_extra_bytes >= 0),
  speed_kbps INTEGER NOT NULL CHECK (speed_kbps > 0),
  PRIMARY KEY (plan_id, position)
);

-- Ledger -----------------------------------------------------------------------------------------
-- ledger_transfers is in the dialect file: its write-order column is an identity column.

-- Balances are derived from transfers and change only together with a transfer row. The CHECKs
-- are the database's copy of ledger::FlagsHold: no negative balance, at most one flag, and a
-- flagged account never goes past zero with its holds counted.
CREATE TABLE ledger_accounts (
  account_id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('customer_wallet', 'provider_clearing', 'revenue',
                                     'tax_payable', 'voucher_liability', 'partner_payable')),
  currency TEXT NOT NULL CHECK (currency = 'JPY'),
  debits_must_not_exceed_credits INTEGER NOT NULL
    CHECK (debits_must_not_exceed_credits IN (0, 1)),
  credits_must_not_exceed_debits INTEGER NOT NULL
    CHECK (credits_must_not_exceed_debits IN (0, 1)),
  debits_pending BIGINT NOT NULL CHECK (debits_pending >= 0),
  debits_posted BIGINT NOT NULL CHECK (debits_posted >= 0),
  credits_pending BIGINT NOT NULL CHECK (credits_pending >= 0),
  credits_posted BIGINT NOT NULL CHECK (credits_posted >= 0),
  CONSTRAINT ledger_accounts_one_flag
    CHECK (debits_must_not_exceed_credits + credits_must_not_exceed_debits <= 1),
  CONSTRAINT ledger_accounts_debits_within_credits
    CHECK (debits_must_not_exceed_credits = 0
           OR credits_posted - debits_posted - debits_pending >= 0),
  CONSTRAINT ledger_accounts_credits_within_debits
    CHECK (credits_must_not_exceed_debits = 0
           OR debits_posted - credits_posted - credits_pending >= 0)
);

-- Lines ------------------------------------------------------------------------------------------

CREATE TABLE lines (
  line_id TEXT PRIMARY KEY,
  iccid TEXT NOT NULL UNIQUE,
  msisdn TEXT UNIQUE,  -- E.164; NULL for a data-only line without a number.
  number_class TEXT NOT NULL,
  imsi TEXT NOT NULL,
  eid TEXT NOT NULL,
  carrier_id TEXT NOT NULL REFERENCES carriers (carrier_id),
  form_factor TEXT NOT NULL CHECK (form_factor IN ('sim', 'esim')),
  service TEXT NOT NULL CHECK (service IN ('voice', 'data')),
  state TEXT NOT NULL
    CHECK (state IN ('inactive', 'active', 'grace', 'suspended', 'terminated', 'barred')),
  expires_at BIGINT,
  activate_by BIGINT,
  plan_id TEXT REFERENCES plans (plan_id),
  wallet_account_id TEXT REFERENCES ledger_accounts (account_id),
  -- The eSIM profile: either all five columns are NULL (no profile) or none is.
  esim_smdp_address TEXT,
  esim_matching_id TEXT,
  esim_smdp_oid TEXT,
  esim_confirmation_code_required INTEGER
    CHECK (esim_confirmation_code_required IS NULL OR esim_confirmation_code_required IN (0, 1)),
  esim_confirmation_code_sealed TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  CONSTRAINT lines_esim_complete
    CHECK ((esim_smdp_address IS NULL AND esim_matching_id IS NULL AND esim_smdp_oid IS NULL
            AND esim_confirmation_code_required IS NULL AND esim_confirmation_code_sealed IS NULL)
           OR (esim_smdp_address IS NOT NULL AND esim_matching_id IS NOT NULL
               AND esim_smdp_oid IS NOT NULL AND esim_confirmation_code_required IS NOT NULL
               AND esim_confirmation_code_sealed IS NOT NULL))
);

CREATE INDEX lines_expires_at ON lines (expires_at);
CREATE INDEX lines_wallet_account ON lines (wallet_account_id);

-- Orders, payments and receipts --------------------------------------------------------------------

CREATE TABLE orders (
  order_id TEXT PRIMARY KEY,
  line_id TEXT NOT NULL REFERENCES lines (line_id),
  kind TEXT NOT NULL CHECK (kind IN ('topup', 'renewal', 'plan_change')),
  status TEXT NOT NULL
    CHECK (status IN ('pending', 'completed', 'failed', 'expired', 'canceled')),
  plan_id TEXT REFERENCES plans (plan_id),
  amount_jpy BIGINT NOT NULL CHECK (amount_jpy >= 0),
  channel TEXT NOT NULL
    CHECK (channel IN ('api', 'web', 'app', 'kiosk', 'store', 'partner', 'support', 'cli')),
  idempotency_key TEXT NOT NULL,
  failure_reason TEXT NOT NULL,
  receipt_number TEXT UNIQUE,
  created_at BIGINT NOT NULL,
  completed_at BIGINT
);

-- Serves ListOrders: one line's orders, newest first, with the id as tie-break.
CREATE INDEX orders_line_created ON orders (line_id, created_at, order_id);

-- One payment per order.
CREATE TABLE payments (
  payment_id TEXT PRIMARY KEY,
  order_id TEXT NOT NULL UNIQUE REFERENCES orders (order_id),
  method TEXT NOT NULL CHECK (method IN ('balance', 'cash', 'card')),
  provider TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'requires_action', 'succeeded', 'failed',
                                         'canceled', 'refunded')),
  amount_jpy BIGINT NOT NULL CHECK (amount_jpy >= 0),
  failure_reason TEXT NOT NULL,
  provider_reference TEXT NOT NULL,
  card_brand TEXT NOT NULL,
  card_last4 TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

-- Serves ListPendingPayments: pending ones, oldest first.
CREATE INDEX payments_status_created ON payments (status, created_at);

-- An issued receipt with its totals, computed once at issue and never recomputed. Receipts,
-- their lines and their per-rate totals are append-only (see the dialect file).
CREATE TABLE receipts (
  receipt_number TEXT PRIMARY KEY,
  order_id TEXT NOT NULL UNIQUE REFERENCES orders (order_id),
  line_id TEXT NOT NULL REFERENCES lines (line_id),
  kind TEXT NOT NULL CHECK (kind IN ('qualified_invoice', 'non_taxable')),
  issuer_name TEXT NOT NULL,
  invoice_registration_number TEXT NOT NULL,
  channel TEXT NOT NULL,
  payment_method TEXT NOT NULL,
  non_taxable_jpy BIGINT NOT NULL CHECK (non_taxable_jpy >= 0),
  total_jpy BIGINT NOT NULL CHECK (total_jpy >= 0),
  issued_at BIGINT NOT NULL,
  CONSTRAINT receipts_invoice_number_present
    CHECK (kind <> 'qualified_invoice' OR invoice_registration_number <> '')
);

-- The items, in printed order.
CREATE TABLE receipt_lines (
  receipt_number TEXT NOT NULL REFERENCES receipts (receipt_number),
  position INTEGER NOT NULL CHECK (position >= 0),
  description TEXT NOT NULL,
  quantity BIGINT NOT NULL CHECK (quantity > 0),
  unit_price_jpy BIGINT NOT NULL CHECK (unit_price_jpy >= 0),
  tax_rate_percent INTEGER NOT NULL CHECK (tax_rate_percent IN (0, 8, 10)),
  taxable INTEGER NOT NULL CHECK (taxable IN (0, 1)),
  PRIMARY KEY (receipt_number, position)
);

-- One row per tax rate used, as computed at issue (tax rounded once per rate).
CREATE TABLE receipt_rate_totals (
  receipt_number TEXT NOT NULL REFERENCES receipts (receipt_number),
  tax_rate_percent INTEGER NOT NULL CHECK (tax_rate_percent IN (0, 8, 10)),
  total_including_tax_jpy BIGINT NOT NULL CHECK (total_including_tax_jpy >= 0),
  tax_jpy BIGINT NOT NULL CHECK (tax_jpy >= 0),
  total_excluding_tax_jpy BIGINT NOT NULL CHECK (total_excluding_tax_jpy >= 0),
  PRIMARY KEY (receipt_number, tax_rate_percent),
  CONSTRAINT receipt_rate_totals_sum
    CHECK (total_including_tax_jpy = tax_jpy + total_excluding_tax_jpy)
);

-- Gap-free counters ("receipt"). Incremented inside the caller's transaction.
CREATE TABLE sequences (
  name TEXT PRIMARY KEY,
  value BIGINT NOT NULL CHECK (value >= 1)
);

-- Buckets ----------------------------------------------------------------------------------------

CREATE TABLE buckets (
  bucket_id TEXT PRIMARY KEY,
  line_id TEXT NOT NULL REFERENCES lines (line_id),
  kind TEXT NOT NULL CHECK (kind IN ('data', 'voice', 'sms', 'unlimited')),
  initial_units BIGINT NOT NULL CHECK (initial_units >= 0),
  remaining_units BIGINT NOT NULL CHECK (remaining_units >= 0),
  starts_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  order_id TEXT REFERENCES orders (order_id),
  CONSTRAINT buckets_period CHECK (expires_at >= starts_at)
);

CREATE INDEX buckets_line_expires ON buckets (line_id, expires_at);

-- Access -----------------------------------------------------------------------------------------

-- Idempotency-Key records, scoped by the caller. The primary key is what makes a retried
-- request impossible to apply twice, across processes sharing the database.
CREATE TABLE idempotency_keys (
  principal TEXT NOT NULL,
  key_value TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  completed INTEGER NOT NULL CHECK (completed IN (0, 1)),
  response_status INTEGER NOT NULL,
  response_body TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (principal, key_value)
);

CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

CREATE TABLE api_keys (
  api_key_id TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL
    CHECK (role IN ('admin', 'operator', 'clerk', 'agent', 'kiosk', 'partner')),
  name TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  revoked_at BIGINT
);
