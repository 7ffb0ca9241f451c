-- simkeep schema, version 1: the PostgreSQL-only part. Runs after 0001_init.sql in the same
-- transaction. Mirrors 0001_init.sqlite.sql table for table; keep the two in step.

-- Every money movement, in the order it was written (seq). Append-only. A hold (kind 'pending')
-- is settled at most once: pending_id is UNIQUE, so a second post or void of the same hold is
-- refused by the database even when two processes race.
CREATE TABLE ledger_transfers (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  transfer_id TEXT NOT NULL UNIQUE,
  debit_account_id TEXT NOT NULL REFERENCES ledger_accounts (account_id),
  credit_account_id TEXT NOT NULL REFERENCES ledger_accounts (account_id),
  amount BIGINT NOT NULL,
  currency TEXT NOT NULL CHECK (currency = 'JPY'),
  kind TEXT NOT NULL CHECK (kind IN ('posted', 'pending', 'post_pending', 'void_pending')),
  pending_id TEXT UNIQUE REFERENCES ledger_transfers (transfer_id),
  timeout_at BIGINT,  -- NULL: the hold never times out (and always NULL for other kinds).
  created_at BIGINT NOT NULL,
  code TEXT NOT NULL,
  reference TEXT NOT NULL,
  CONSTRAINT ledger_transfers_amount_positive CHECK (amount > 0),
  CONSTRAINT ledger_transfers_accounts_differ CHECK (debit_account_id <> credit_account_id),
  CONSTRAINT ledger_transfers_pending_link
    CHECK ((kind IN ('post_pending', 'void_pending') AND pending_id IS NOT NULL)
           OR (kind IN ('posted', 'pending') AND pending_id IS NULL)),
  CONSTRAINT ledger_transfers_timeout_on_hold CHECK (kind = 'pending' OR timeout_at IS NULL)
);


-- What happened to a line, newest last by seq. Append-only.
CREATE TABLE line_events (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id TEXT NOT NULL UNIQUE,
  line_id TEXT NOT NULL REFERENCES lines (line_id),
  kind TEXT NOT NULL,
  from_state TEXT
    CHECK (from_state IS NULL OR from_state IN ('inactive', 'active', 'grace', 'suspended',
                                                'terminated', 'barred')),
  to_state TEXT
    CHECK (to_state IS NULL OR to_state IN ('inactive', 'active', 'grace', 'suspended',
                                            'terminated', 'barred')),
  reason TEXT NOT NULL,
  order_id TEXT REFERENCES orders (order_id),
  at BIGINT NOT NULL
);

CREATE INDEX line_events_line_at ON line_events (line_id, at, seq);

-- Append-only history. The function raises SQLSTATE 23000 (integrity_constraint_violation), which
-- the adapter maps like any other constraint failure.
CREATE FUNCTION simkeep_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% are append-only', TG_TABLE_NAME USING ERRCODE = '23000';
END;
$$;

CREATE TRIGGER receipts_append_only BEFORE UPDATE OR DELETE ON receipts
  FOR EACH ROW EXECUTE FUNCTION simkeep_refuse_change();
CREATE TRIGGER receipt_lines_append_only BEFORE UPDATE OR DELETE ON receipt_lines
  FOR EACH ROW EXECUTE FUNCTION simkeep_refuse_change();
CREATE TRIGGER receipt_rate_totals_append_only BEFORE UPDATE OR DELETE ON receipt_rate_totals
  FOR EACH ROW EXECUTE FUNCTION simkeep_refuse_change();
CREATE TRIGGER ledger_transfers_append_only BEFORE UPDATE OR DELETE ON ledger_transfers
  FOR EACH ROW EXECUTE FUNCTION simkeep_refuse_change();
CREATE TRIGGER line_events_append_only BEFORE UPDATE OR DELETE ON line_events
  FOR EACH ROW EXECUTE FUNCTION simkeep_refuse_change();
CREATE TRIGGER plan_prices_append_only BEFORE UPDATE OR DELETE ON plan_prices
  FOR EACH ROW EXECUTE FUNCTION simkeep_refuse_change();
-- TRUNCATE bypasses row triggers; refuse it on the same tables.
CREATE TRIGGER receipts_no_truncate BEFORE TRUNCATE ON receipts
  FOR EACH STATEMENT EXECUTE FUNCTION simkeep_refuse_change();
CREATE TRIGGER receipt_lines_no_truncate BEFORE TRUNCATE ON receipt_lines
  FOR EACH STATEMENT EXECUTE FUNCTION simkeep_refuse_change();
CREATE TRIGGER receipt_rate_totals_no_truncate BEFORE TRUNCATE ON receipt_rate_totals
  FOR EACH STATEMENT EXECUTE FUNCTION simkeep_refuse_change();
CREATE TRIGGER ledger_transfers_no_truncate BEFORE TRUNCATE ON ledger_transfers
  FOR EACH STATEMENT EXECUTE FUNCTION simkeep_refuse_change();
CREATE TRIGGER line_events_no_truncate BEFORE TRUNCATE ON line_events
  FOR EACH STATEMENT EXECUTE FUNCTION simkeep_refuse_change();
CREATE TRIGGER plan_prices_no_truncate BEFORE TRUNCATE ON plan_prices
  FOR EACH STATEMENT EXECUTE FUNCTION simkeep_refuse_change();
