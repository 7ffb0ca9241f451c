-- The plain-SQL peer of usage ingestion: records unique by their id, and what they add up to per
-- line. psql -v lines=N -f usage_schema.sql
CREATE TABLE line_usage (
  line_id    bigint PRIMARY KEY,
  data_bytes bigint NOT NULL,
  records    bigint NOT NULL
);
CREATE TABLE usage_records (
  record_id  text PRIMARY KEY,
  line_id    bigint NOT NULL,
  kind       text NOT NULL,
  quantity   bigint NOT NULL,
  started_at timestamptz NOT NULL,
  ended_at   timestamptz NOT NULL
);
INSERT INTO line_usage SELECT g, 0, 0 FROM generate_series(1, :lines) AS g;
VACUUM ANALYZE;
