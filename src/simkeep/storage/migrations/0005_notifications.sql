-- simkeep schema, version 5: notifications (the outbox, how each line's holder wants to be told,
-- webhook subscriptions), the scheduler's scan positions, and an index for renewals due. The same statements on SQLite and
-- PostgreSQL.

-- How a line's holder wants to be told: the language of every message, and the addresses email
-- and SMS go to (empty: not on that channel). In-app messages are always kept.
CREATE TABLE notification_settings (
  line_id TEXT PRIMARY KEY REFERENCES lines (line_id),
  language TEXT NOT NULL CHECK (language IN ('zh-Hans', 'zh-Hant', 'ja', 'en')),
  email TEXT NOT NULL,
  sms_to TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);

-- Systems (a policy server, a partner, the operator's CRM) that take events as signed webhooks.
-- The secret is sealed with the instance's key; events is a comma-separated list (empty: all).
CREATE TABLE webhook_endpoints (
  endpoint_id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  events TEXT NOT NULL,
  secret_sealed TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  disabled_at BIGINT
);

-- The outbox: one row per message on one channel, unique by its dedupe key, written in the
-- transaction of what it is about. pending rows are delivered at next_attempt_at (again after a
-- failure, with backoff); sent rows were accepted by the far end (in-app: stored); dead rows
-- failed for good and wait for an operator (the dead-letter list).
CREATE TABLE notifications (
  notification_id TEXT PRIMARY KEY,
  line_id TEXT NOT NULL REFERENCES lines (line_id),
  topic TEXT NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'webhook', 'in_app')),
  dedupe_key TEXT NOT NULL UNIQUE,
  language TEXT NOT NULL,
  recipient TEXT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'dead')),
  attempts INTEGER NOT NULL CHECK (attempts >= 0),
  next_attempt_at BIGINT,
  last_error TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  sent_at BIGINT,
  read_at BIGINT,
  CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL))
);

-- Serves the dispatcher (pending rows by due time) and the dead-letter list.
CREATE INDEX notifications_status_next ON notifications (status, next_attempt_at);
-- Serves a line's inbox, newest first.
CREATE INDEX notifications_line_channel ON notifications (line_id, channel, created_at);

-- How far the scheduler has scanned for each kind of time-driven work (a reminder N days before
-- a validity end, ...): work due in (position, now] is found by one indexed range read per pass,
-- and position moves on in the transaction that queued it.
CREATE TABLE scheduler_cursors (
  name TEXT PRIMARY KEY,
  position BIGINT NOT NULL
);

-- Serve the scheduler's searches in the order they read, so that a page stops at its limit
-- however many lines share one validity end: automatic renewals due (active lines by validity
-- end), and the reminders' and the lifecycle's range reads per carrier (replacing version 4's
-- index without the line id).
CREATE INDEX lines_state_expires ON lines (state, expires_at, line_id);
DROP INDEX lines_state_carrier_expires;
CREATE INDEX lines_state_carrier_expires ON lines (state, carrier_id, expires_at, line_id);
