-- simkeep schema, version 4: automatic renewal and the scheduler's jobs. The same statements on
-- SQLite and PostgreSQL.

-- A line's automatic renewal: renew with plan_id before the validity ends, paid from the
-- balance ('balance') or a saved card (its saved_method_id), within monthly_cap_jpy of
-- automatic renewals per JST calendar month.
CREATE TABLE auto_renewals (
  line_id TEXT PRIMARY KEY REFERENCES lines (line_id),
  enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  plan_id TEXT NOT NULL REFERENCES plans (plan_id),
  payment_method_id TEXT NOT NULL CHECK (payment_method_id <> ''),
  monthly_cap_jpy BIGINT NOT NULL CHECK (monthly_cap_jpy > 0),
  updated_at BIGINT NOT NULL
);

-- Serves the scheduler's search for enabled lines (joined to lines by expiry).
CREATE INDEX auto_renewals_enabled ON auto_renewals (enabled, line_id);

-- One row per piece of scheduled work, keyed naturally: the kind, the line and the period it is
-- about (for an automatic renewal, the validity end it extends). The key makes each job run
-- once however often, and from however many instances, it is found due.
-- running: started (an order placed, its payment maybe still open); retrying: the last attempt
-- failed, the next is due at next_attempt_at; done; skipped (not attempted: the cap, the
-- setting switched off, the line renewed otherwise); failed (every attempt failed).
CREATE TABLE scheduler_jobs (
  kind TEXT NOT NULL CHECK (kind IN ('auto_renewal')),
  line_id TEXT NOT NULL REFERENCES lines (line_id),
  period_end BIGINT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'retrying', 'done', 'skipped', 'failed')),
  order_id TEXT NOT NULL,
  amount_jpy BIGINT NOT NULL CHECK (amount_jpy >= 0),
  attempts INTEGER NOT NULL CHECK (attempts >= 0),
  next_attempt_at BIGINT,
  reason TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (kind, line_id, period_end)
);

-- Serves the jobs due again (retrying, by next_attempt_at) and those still running.
CREATE INDEX scheduler_jobs_status_next ON scheduler_jobs (status, next_attempt_at);
-- Serves the monthly cap: a line's jobs by creation time.
CREATE INDEX scheduler_jobs_line_created ON scheduler_jobs (line_id, created_at);

-- Serves the lifecycle: lines in a state, on a carrier, whose validity ended before a date.
CREATE INDEX lines_state_carrier_expires ON lines (state, carrier_id, expires_at);
