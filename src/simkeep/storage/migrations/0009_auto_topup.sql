-- simkeep schema, version 9: automatic top-up on low data. The same statements on SQLite and
-- PostgreSQL; the scheduler_jobs kinds are widened in 0009_auto_topup.sqlite.sql and
-- 0009_auto_topup.postgresql.sql.

-- A line's automatic top-up, beside its automatic renewal (same switch, payment and monthly
-- cap): buy topup_plan_id once each time the data left falls below topup_below_bytes. Both NULL:
-- none.
ALTER TABLE auto_renewals ADD COLUMN topup_plan_id TEXT REFERENCES plans (plan_id);
ALTER TABLE auto_renewals ADD COLUMN topup_below_bytes BIGINT
  CHECK (topup_below_bytes IS NULL OR topup_below_bytes > 0);
