-- simkeep schema, version 7: usage. The same statements on SQLite and PostgreSQL.

-- Every usage record accepted, unique by its record_id (a record sent again is a duplicate and
-- changes nothing), with what its units went to: taken from buckets, beyond every bucket
-- (overage), and what the plan's rates made of the overage (voice and SMS).
CREATE TABLE usage_records (
  record_id TEXT PRIMARY KEY,
  line_id TEXT NOT NULL REFERENCES lines (line_id),
  kind TEXT NOT NULL CHECK (kind IN ('data', 'voice', 'sms')),
  quantity BIGINT NOT NULL CHECK (quantity >= 0),
  started_at BIGINT NOT NULL,
  ended_at BIGINT NOT NULL,
  rating_group BIGINT CHECK (rating_group IS NULL OR rating_group >= 0),
  from_buckets BIGINT NOT NULL CHECK (from_buckets >= 0 AND from_buckets <= quantity),
  overage BIGINT NOT NULL CHECK (overage >= 0 AND overage <= quantity),
  rated_jpy BIGINT NOT NULL CHECK (rated_jpy >= 0),
  received_at BIGINT NOT NULL,
  CHECK (ended_at >= started_at)
);

-- Each line's usage per JST day (day = 00:00 JST as a time) and kind: the sum of its records,
-- written in the transaction that stores them. Daily caps and the usage history read it.
CREATE TABLE usage_daily (
  line_id TEXT NOT NULL REFERENCES lines (line_id),
  day BIGINT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('data', 'voice', 'sms')),
  units BIGINT NOT NULL CHECK (units >= 0),
  records BIGINT NOT NULL CHECK (records >= 0),
  rated_jpy BIGINT NOT NULL CHECK (rated_jpy >= 0),
  PRIMARY KEY (line_id, day, kind)
);

-- What usage has done to a line besides its buckets: data used beyond every bucket since the
-- latest data grant (which walks the plan's throttle steps), the fraction of a yen SMS charges
-- carried, and the speed last derived (NULL: full speed; 0: data blocked).
CREATE TABLE line_usage (
  line_id TEXT PRIMARY KEY REFERENCES lines (line_id),
  overage_bytes BIGINT NOT NULL CHECK (overage_bytes >= 0),
  overage_since BIGINT NOT NULL,
  sms_tenths_carry INTEGER NOT NULL CHECK (sms_tenths_carry >= 0 AND sms_tenths_carry <= 9),
  speed_kbps INTEGER CHECK (speed_kbps IS NULL OR speed_kbps >= 0),
  updated_at BIGINT NOT NULL
);

-- Usage records name their line by IMSI as often as by MSISDN or ICCID.
CREATE INDEX lines_imsi ON lines (imsi);
