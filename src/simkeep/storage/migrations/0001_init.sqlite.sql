-- simkeep schema, version 1: the SQLite-only part. Runs after 0001_init.sql in the same
-- transaction. A PostgreSQL adapter carries its own 0001_init.postgresql.sql with the same tables
-- (seq as BIGINT GENERATED ALWAYS AS IDENTITY) and equivalent triggers.

-- Every money movement, in the order it was written (seq). Append-only. A hold (kind 'pending')
-- is settled at most once: pending_id is UNIQUE, so a second post or void of the same hold is
-- refused by the database even when two processes race.
CREATE TABLE ledger_transfers (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
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
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
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

-- Append-only history. RAISE(ABORT) fails the statement with SQLITE_CONSTRAINT_TRIGGER and
-- leaves the rest of the transaction intact.
CREATE TRIGGER receipts_append_only_update BEFORE UPDATE ON receipts
BEGIN SELECT RAISE(ABORT, 'receipts are append-only'); END;
CREATE TRIGGER receipts_append_only_delete BEFORE DELETE ON receipts
BEGIN SELECT RAISE(ABORT, 'receipts are append-only'); END;

CREATE TRIGGER receipt_lines_append_only_update BEFORE UPDATE ON receipt_lines
BEGIN SELECT RAISE(ABORT, 'receipt_lines are append-only'); END;
CREATE TRIGGER receipt_lines_append_only_delete BEFORE DELETE ON receipt_lines
BEGIN SELECT RAISE(ABORT, 'receipt_lines are append-only'); END;

CREATE TRIGGER receipt_rate_totals_append_only_update BEFORE UPDATE ON receipt_rate_totals
BEGIN SELECT RAISE(ABORT, 'receipt_rate_totals are append-only'); END;
CREATE TRIGGER receipt_rate_totals_append_only_delete BEFORE DELETE ON receipt_rate_totals
BEGIN SELECT RAISE(ABORT, 'receipt_rate_totals are append-only'); END;

CREATE TRIGGER ledger_transfers_append_only_update BEFORE UPDATE ON ledger_transfers
BEGIN SELECT RAISE(ABORT, 'ledger_transfers are append-only'); END;
CREATE TRIGGER ledger_transfers_append_only_delete BEFORE DELETE ON ledger_transfers
BEGIN SELECT RAISE(ABORT, 'ledger_transfers are append-only'); END;

CREATE TRIGGER line_events_append_only_update BEFORE UPDATE ON line_events
BEGIN SELECT RAISE(ABORT, 'line_events are append-only'); END;
CREATE TRIGGER line_events_append_only_delete BEFORE DELETE ON line_events
BEGIN SELECT RAISE(ABORT, 'line_events are append-only'); END;

CREATE TRIGGER plan_prices_append_only_update BEFORE UPDATE ON plan_prices
BEGIN SELECT RAISE(ABORT, 'plan_prices are append-only'); END;
CREATE TRIGGER plan_prices_append_only_delete BEFORE DELETE ON plan_prices
BEGIN SELECT RAISE(ABORT, 'plan_prices are append-only'); END;
