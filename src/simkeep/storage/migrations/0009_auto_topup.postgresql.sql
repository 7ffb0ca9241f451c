-- simkeep schema, version 9: the PostgreSQL-only part. Runs after 0009_auto_topup.sql in the
-- same transaction. Mirrors 0009_auto_topup.sqlite.sql; keep the two in step.

-- scheduler_jobs: a job is an automatic renewal (its period the validity end it extends) or an
-- automatic top-up (its period the instant the data left fell below the threshold).
ALTER TABLE scheduler_jobs DROP CONSTRAINT scheduler_jobs_kind_check;
ALTER TABLE scheduler_jobs ADD CONSTRAINT scheduler_jobs_kind_check
  CHECK (kind IN ('auto_renewal', 'auto_topup'));
