#ifndef SIMKEEP_STORAGE_POSTGRES_LEADER_LOCK_H_
#define SIMKEEP_STORAGE_POSTGRES_LEADER_LOCK_H_

#include <cstdint>
#include <memory>
#include <string>

#include "simkeep/app/leader_lease.h"
#include "simkeep/base/result.h"

namespace simkeep::storage::postgres {

namespace internal {
class Connection;
}  // namespace internal

// The session-level advisory lock the leader holds: "simkeepL" in ASCII. It differs from the
// migrations' lock (kMigrationLockKey, "simkeep"): both live in the same key space. PostgreSQL
// shows it in pg_locks (locktype 'advisory', objsubid 1) split in two: classid is its upper 32
// bits (kLeaderLockClassId), objid its lower 32 (kLeaderLockObjId). Advisory locks belong to one
// database, so deployments in different databases of one server elect their leaders apart.
inline constexpr int64_t kLeaderLockKey = 0x73696d6b6565704c;
inline constexpr uint32_t kLeaderLockClassId = static_cast<uint32_t>(kLeaderLockKey >> 32);
inline constexpr uint32_t kLeaderLockObjId = static_cast<uint32_t>(kLeaderLockKey & 0xffffffff);

// The connection string of the leader connection: `conninfo` (any libpq connection string or
// URI, multi-host ones included) rewritten as keyword='value' pairs, with the TCP keepalive
// settings, tcp_user_timeout, connect_timeout (limits.h, kLeaderClient*) and application_name
// "simkeep-leader" added where `conninfo` does not name them. Exposed for tests.
// Errors: kInvalidArgument "database_url_invalid" when libpq cannot parse `conninfo` (the
// message does not quote it: it may hold a password).
Result<std::string> LeaderConnectionString(const std::string& conninfo);

// Leadership among the simkeep processes sharing one PostgreSQL database (app::LeaderLease): a
// session-level pg_try_advisory_lock(kLeaderLockKey) on a connection of its own, held while
// that session lives. The server frees it when the session ends: at once when the holder's
// process dies (its kernel closes the socket), within kLeaderServerReleaseMinMs and a few
// seconds more when the holder's machine or network vanishes (the session's server-side TCP
// keepalives and tcp_user_timeout, set on connecting).
//
// Every exchange on the connection waits at most kLeaderCallDeadlineMs (the connection's call
// deadline; the session's statement_timeout is the same): a check that misses it fails with
// "leader_lost", and the socket is shut down. A leader thus steps down within
// kLeaderCheckIntervalMs + kLeaderCallDeadlineMs of losing the server, before the server can
// free its lock (limits.h asserts the margin). A server in recovery (a standby a multi-host
// string led to) is refused, so that the lock is taken where every instance writes.
//
// The connection must reach PostgreSQL itself or a session pooler: a transaction pooler
// (PgBouncer pool_mode=transaction) gives no session to hold the lock in, and the check, which
// looks for the lock under the session's own backend pid, then fails.
//
// Ownership: created by Create() and owned by the caller (cli), borrowed by one
// app::LeaderLoop. Not thread-safe: one thread at a time, as LeaderLease requires.
class PostgresLeaderLock final : public app::LeaderLease {
 public:
  // Checks `conninfo`; does not connect (TryAcquire does).
  // Errors: kInvalidArgument "database_url_invalid" (see LeaderConnectionString).
  static Result<std::unique_ptr<PostgresLeaderLock>> Create(const std::string& conninfo);
  // Releases the lock if held.
  ~PostgresLeaderLock() override;
  PostgresLeaderLock(const PostgresLeaderLock&) = delete;
  PostgresLeaderLock& operator=(const PostgresLeaderLock&) = delete;

  // Connects first when there is no usable connection. true when this session holds the lock.
  // Errors: kUnavailable "db_unavailable" when the server cannot be reached, misses the deadline
  // or is in recovery; the connection is dropped and the next call connects anew.
  Result<bool> TryAcquire() override;
  // Whether this session still holds the lock (pg_locks, under pg_backend_pid()).
  // Errors: kUnavailable "leader_lost" when the connection failed, missed the deadline, or no
  // longer holds the lock.
  Result<void> CheckHeld() override;
  // pg_advisory_unlock on a healthy connection, then closes it; a failed connection is shut
  // down without a word to the server, which ends the session (and frees the lock) on reading
  // the end of the stream.
  void Release() override;
  std::string Describe() const override;
  app::LeaderIntervals intervals() const override;

  // The constructor is public for std::make_unique; use Create().
  explicit PostgresLeaderLock(std::string connection_string);

 private:
  // Connects and configures the session. Errors as TryAcquire's.
  Result<void> Connect();
  // Drops the connection; `failed` when it may be stuck mid-call (shut down, no goodbye).
  void Drop(bool failed);

  const std::string connection_string_;  // LeaderConnectionString of the caller's conninfo.
  std::unique_ptr<internal::Connection> connection_;
  bool held_ = false;    // The last TryAcquire took the lock, and nothing released it since.
  bool failed_ = false;  // A call on connection_ failed; it may hold an unfinished query.
};

}  // namespace simkeep::storage::postgres

#endif  // SIMKEEP_STORAGE_POSTGRES_LEADER_LOCK_H_
