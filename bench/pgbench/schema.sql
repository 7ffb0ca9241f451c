-- The plain-SQL peer of a cash top-up: an idempotency key, a ledger posting, a balance update.
-- psql -v accounts=N -f schema.sql
CREATE TABLE balances (
  account_id  bigint PRIMARY KEY,
  balance_jpy bigint NOT NULL
);
CREATE TABLE postings (
  posting_id bigserial PRIMARY KEY,
  account_id bigint NOT NULL,
  amount_jpy bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX postings_account ON postings (account_id);
CREATE TABLE idempotency_keys (
  key          text PRIMARY KEY,
  request_hash text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
INSERT INTO balances SELECT g, 0 FROM generate_series(1, :accounts) AS g;
VACUUM ANALYZE;
