-- simkeep schema, version 8: usage charges, the low-data alert, buckets by expiry. The same
-- statements on SQLite and PostgreSQL.

-- What voice and SMS beyond a line's allowances cost it, one row per line and accepted batch
-- that rated anything: rated_jpy at the plan's rates, charged_jpy what the wallet paid (never
-- more than it held), tax_jpy the part of charged_jpy that is consumption tax. The ledger's
-- transfers for a charge reference its charge_id and move exactly charged_jpy (the audit checks).
CREATE TABLE usage_charges (
  charge_id TEXT PRIMARY KEY,
  line_id TEXT NOT NULL REFERENCES lines (line_id),
  rated_jpy BIGINT NOT NULL CHECK (rated_jpy > 0),
  charged_jpy BIGINT NOT NULL CHECK (charged_jpy >= 0 AND charged_jpy <= rated_jpy),
  tax_rate_percent INTEGER NOT NULL CHECK (tax_rate_percent IN (0, 8, 10)),
  tax_jpy BIGINT NOT NULL CHECK (tax_jpy >= 0 AND tax_jpy <= charged_jpy),
  records BIGINT NOT NULL CHECK (records > 0),
  created_at BIGINT NOT NULL
);

CREATE INDEX usage_charges_line ON usage_charges (line_id, created_at);

-- The holder's low-data alert: told (and subscribed systems) when the data left in the line's
-- buckets falls below this many bytes. NULL: no alert.
ALTER TABLE notification_settings ADD COLUMN data_low_bytes BIGINT
  CHECK (data_low_bytes IS NULL OR data_low_bytes > 0);

-- When the scheduler dealt with the bucket's expiry (a bucket_expired event, bucket.expired
-- sent, the line's speed re-checked): set in the same transaction, so each expiry is noted once.
-- NULL: not yet (or expired before this column existed and older than the scan looks back).
ALTER TABLE buckets ADD COLUMN expiry_noted_at BIGINT;

-- The scheduler's scan of expiries not yet noted, by time.
CREATE INDEX buckets_expiry_unnoted ON buckets (expires_at, bucket_id) WHERE expiry_noted_at IS NULL;
