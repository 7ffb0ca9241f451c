-- simkeep schema, version 10: real-time quota reservations. The same statements on SQLite and
-- PostgreSQL.

-- One row per request for units (a Diameter CCR with a Requested-Service-Unit), unique by its
-- (session_id, request_number): a repeat replays `answer`, the first answer, exactly. What it
-- granted is `granted`; of that, `held` units count against the tier's room (buckets or throttle
-- steps) while the reservation is open and unexpired, and `held_jpy` yen of the wallet are set
-- aside (voice and SMS beyond their allowance, at the plan's rate). A commit stores the units used as a usage
-- record ("resv:" + reservation_id) in the same transaction and the reservation is `committed`;
-- a release frees the hold (`released`); a reservation past its expires_at holds nothing and is
-- marked `expired` by the scheduler's sweep. `settle_answer` is the commit's (or release's)
-- answer. A grant of nothing is stored `released`.
CREATE TABLE reservations (
  reservation_id TEXT PRIMARY KEY,
  line_id TEXT NOT NULL REFERENCES lines (line_id),
  session_id TEXT NOT NULL,
  request_number BIGINT NOT NULL CHECK (request_number >= 0),
  kind TEXT NOT NULL CHECK (kind IN ('data', 'voice', 'sms')),
  rating_group BIGINT CHECK (rating_group IS NULL OR rating_group >= 0),
  requested BIGINT NOT NULL CHECK (requested > 0),
  granted BIGINT NOT NULL CHECK (granted >= 0 AND granted <= requested),
  held BIGINT NOT NULL CHECK (held >= 0 AND held <= granted),
  held_jpy BIGINT NOT NULL CHECK (held_jpy >= 0),
  tier TEXT NOT NULL
    CHECK (tier IN ('none', 'quota', 'unlimited', 'over_cap', 'throttled', 'rated')),
  result TEXT NOT NULL CHECK (result IN ('granted', 'credit_limit_reached', 'service_denied')),
  speed_kbps INTEGER CHECK (speed_kbps IS NULL OR speed_kbps > 0),
  final_action TEXT CHECK (final_action IS NULL OR final_action IN ('throttle', 'block')),
  final_speed_kbps INTEGER CHECK (final_speed_kbps IS NULL OR final_speed_kbps > 0),
  status TEXT NOT NULL CHECK (status IN ('open', 'committed', 'released', 'expired')),
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used BIGINT CHECK (used IS NULL OR used >= 0),
  closed_at BIGINT,
  answer TEXT NOT NULL,
  settle_answer TEXT,
  UNIQUE (session_id, request_number),
  CHECK (expires_at >= created_at),
  CHECK ((status = 'open') = (closed_at IS NULL)),
  CHECK ((status = 'committed') = (used IS NOT NULL))
);

-- What a line's open reservations hold (read with every grant), and the expiry sweep.
CREATE INDEX reservations_open_by_line ON reservations (line_id, expires_at)
  WHERE status = 'open';
CREATE INDEX reservations_open_by_expiry ON reservations (expires_at, reservation_id)
  WHERE status = 'open';
