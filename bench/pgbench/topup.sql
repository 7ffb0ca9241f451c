-- One top-up of 100 yen on a random account as one transaction (pgbench -D accounts=N).
\set aid random(1, :accounts)
BEGIN;
INSERT INTO idempotency_keys (key, request_hash) VALUES (gen_random_uuid()::text, md5(:aid::text));
INSERT INTO postings (account_id, amount_jpy) VALUES (:aid, 100);
UPDATE balances SET balance_jpy = balance_jpy + 100 WHERE account_id = :aid;
END;
