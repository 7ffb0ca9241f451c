-- One batch of 10,000 data records as one transaction (pgbench -D lines=N -D clients=C): each
-- stored unless its id is (ON CONFLICT DO NOTHING), and the stored ones added to their lines'
-- totals. Client c uses the lines congruent to c modulo C, so that clients never wait on each
-- other's row locks (which, taken in hash order, would deadlock).
\set batch random(1, 1000000000)
WITH inserted AS (
  INSERT INTO usage_records (record_id, line_id, kind, quantity, started_at, ended_at)
  SELECT 'pg-' || :client_id::int || '-' || :batch::bigint || '-' || g,
         1 + :client_id::int + :clients::int * ((g::bigint * 7919 + :batch::bigint)
                                                % (:lines::int / :clients::int)),
         'data', g % 100000, now() - interval '3 hours', now() - interval '3 hours'
  FROM generate_series(1, 10000) AS g
  ON CONFLICT (record_id) DO NOTHING
  RETURNING line_id, quantity)
UPDATE line_usage AS t SET data_bytes = t.data_bytes + s.bytes, records = t.records + s.count
FROM (SELECT line_id, sum(quantity) AS bytes, count(*) AS count FROM inserted GROUP BY line_id) AS s
WHERE t.line_id = s.line_id;
