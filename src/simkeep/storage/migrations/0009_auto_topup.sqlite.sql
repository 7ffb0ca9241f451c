-- simkeep schema, version 9: the SQLite-only part. Runs after 0009_auto_topup.sql in the same
-- transaction. Mirrors 0009_auto_topup.postgresql.sql; keep the two in step.

-- scheduler_jobs: a job is an automatic renewal (its period the validity end it extends) or an
-- automatic top-up (its period the instant the data left fell below the threshold). SQLite
-- cannot change a constraint, so the table is rebuilt with the same columns in their order.
CREATE TABLE scheduler_jobs_v9 (
  kind TEXT NOT NULL CHECK (kind IN ('auto_renewal', 'auto_topup')),
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
INSERT INTO scheduler_jobs_v9 SELECT * FROM scheduler_jobs;
DROP TABLE scheduler_jobs;
ALTER TABLE scheduler_jobs_v9 RENAME TO scheduler_jobs;
CREATE INDEX scheduler_jobs_status_next ON scheduler_jobs (status, next_attempt_at);
CREATE INDEX scheduler_jobs_line_created ON scheduler_jobs (line_id, created_at);
