-- simkeep schema, version 6: number quarantine. The same statements on SQLite and PostgreSQL.

-- The numbers terminated lines gave up. A terminated line's msisdn becomes NULL (the number is
-- lost to it) and its number is held here until released_at, the carrier's
-- number_quarantine_days after termination: before then no line may be given the number. One
-- row per terminated line that had a number; the history of who held a number is kept.
CREATE TABLE number_quarantine (
  line_id TEXT PRIMARY KEY REFERENCES lines (line_id),
  msisdn TEXT NOT NULL,
  carrier_id TEXT NOT NULL REFERENCES carriers (carrier_id),
  quarantined_at BIGINT NOT NULL,
  released_at BIGINT NOT NULL CHECK (released_at >= quarantined_at)
);

-- Serves the check on a number about to be given to a line: its latest hold.
CREATE INDEX number_quarantine_msisdn ON number_quarantine (msisdn, released_at);
