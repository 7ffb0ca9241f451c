#ifndef SIMKEEP_STORAGE_POSTGRES_LIMITS_H_
#define SIMKEEP_STORAGE_POSTGRES_LIMITS_H_

#include <algorithm>
#include <cstddef>

namespace simkeep::storage::postgres {

// How long a statement waits for a lock another session holds (a row locked FOR UPDATE, a
// table a migration alters) before it fails with kUnavailable "db_unavailable". Set on every
// session connection (lock_timeout); the counterpart of SQLite's busy timeout.
inline constexpr int kLockTimeoutMs = 5000;

// How long one exchange with the server (a statement, a commit, a batch of a stream) may go
// without its answer before the connection is taken for dead: the socket is shut down, the call
// fails with kUnavailable "db_unavailable", and the next Begin() reconnects. A server that has
// hung (or a network that drops packets) keeps a connection open and silent, and nothing else
// would ever end the wait. Longer than kLockTimeoutMs, so that a lock wait ends with its own
// error first. A COMMIT cut off by it may still have been applied (as with a lost connection).
inline constexpr int kCallDeadlineMs = 10'000;

// The same bound for migrations and for `simkeep migrate --to` (PostgresLoader), whose
// statements may rewrite or copy whole tables.
inline constexpr int kLongCallDeadlineMs = 30 * 60'000;

// TCP settings every connection gets unless its connection string names them: keepalive probes
// after kKeepaliveIdleSeconds of silence, every kKeepaliveIntervalSeconds, kKeepaliveCount
// unanswered probes close the connection; data sent but unacknowledged for kTcpUserTimeoutMs
// closes it too. They notice a peer that is gone (a crash, a cable) while no call is waiting.
inline constexpr int kKeepaliveIdleSeconds = 10;
inline constexpr int kKeepaliveIntervalSeconds = 5;
inline constexpr int kKeepaliveCount = 3;
inline constexpr int kTcpUserTimeoutMs = kCallDeadlineMs;

// How long a migrator waits for another process's migration (the advisory lock) and for the
// table locks its DDL needs.
inline constexpr int kMigrationLockTimeoutMs = 60'000;

// How long connecting may take when the connection string names no connect_timeout. libpq's
// own default is to wait for the operating system's TCP timeout (minutes).
inline constexpr int kConnectTimeoutSeconds = 10;

// Most prepared statements one connection keeps. The adapter uses a fixed set of SQL texts
// (about 70), so the bound is only reached by a bug; past it, statements run unprepared.
inline constexpr size_t kStatementCacheSizeMax = 256;

// Rows the streams (ForEachAccount, ForEachTransfer, ForEachOrder) fetch per round trip from
// their server-side cursor, so an audit of a large ledger holds one batch in memory, not all.
inline constexpr int kStreamBatchRows = 500;

// Deepest savepoint nesting a session accepts. The committer uses one level.
inline constexpr int kSavepointDepthMax = 32;

// COPY data (`simkeep migrate --to`, PostgresLoader) gathered before it is handed to libpq: big
// enough that a row costs no call of its own, small enough to stay in cache.
inline constexpr size_t kCopyBufferBytes = size_t{256} * 1024;

// Leader election (leader_lock.h). A follower tries pg_try_advisory_lock every
// kLeaderTryIntervalMs; the leader checks every kLeaderCheckIntervalMs that its session still
// holds the lock. Every exchange on the leader connection (connecting aside, which
// kLeaderConnectTimeoutSeconds bounds) waits at most kLeaderCallDeadlineMs for its answer;
// past it the leader steps down and drops the connection. So a leader cut off from the server
// stops leading within kLeaderCheckIntervalMs + kLeaderCallDeadlineMs of its last good check.
inline constexpr int kLeaderTryIntervalMs = 1000;
inline constexpr int kLeaderCheckIntervalMs = 1000;
inline constexpr int kLeaderCallDeadlineMs = 2000;
inline constexpr int kLeaderConnectTimeoutSeconds = 5;

// How long an instance holds the lock before it leads. The server may free a leader's lock
// without the leader's doing (pg_terminate_backend, a restart of the server): the old leader
// notices at its next check, within kLeaderCheckIntervalMs + kLeaderCallDeadlineMs, and the
// new one must not lead before that. The rest is room for scheduling.
inline constexpr int kLeaderTakeoverDelayMs = kLeaderCheckIntervalMs + kLeaderCallDeadlineMs + 1000;
static_assert(kLeaderTakeoverDelayMs > kLeaderCheckIntervalMs + kLeaderCallDeadlineMs,
              "a new leader must wait until an old one has noticed its loss");

// TCP settings of the leader connection on simkeep's side (libpq keepalives, tcp_user_timeout),
// unless its connection string names them: a dead server is noticed within seconds even inside
// a call the deadline above does not cover (connecting, the session's first settings).
inline constexpr int kLeaderClientKeepaliveIdleSeconds = 2;
inline constexpr int kLeaderClientKeepaliveIntervalSeconds = 1;
inline constexpr int kLeaderClientKeepaliveCount = 3;
inline constexpr int kLeaderClientTcpUserTimeoutMs = 5000;

// The same on the server's side of the leader's session (SET tcp_keepalives_idle, ...,
// tcp_user_timeout): how soon the server ends the session, and so frees the lock, of a leader
// whose host vanished without closing its socket (a crash of the machine, a network split). A
// process that dies on a healthy machine has its socket closed by the kernel, and the lock is
// free at once.
inline constexpr int kLeaderServerKeepaliveIdleSeconds = 5;
inline constexpr int kLeaderServerKeepaliveIntervalSeconds = 2;
inline constexpr int kLeaderServerKeepaliveCount = 3;
inline constexpr int kLeaderServerTcpUserTimeoutMs = 10'000;

// The server may free the lock of a silent leader no sooner than after the shorter of its
// keepalive probing and its tcp_user_timeout. The leader must have stepped down before that,
// with room to spare, or two instances would lead at once.
inline constexpr int kLeaderServerKeepaliveCloseMs =
    (kLeaderServerKeepaliveIdleSeconds +
     kLeaderServerKeepaliveIntervalSeconds * kLeaderServerKeepaliveCount) *
    1000;
inline constexpr int kLeaderServerReleaseMinMs =
    std::min(kLeaderServerTcpUserTimeoutMs, kLeaderServerKeepaliveCloseMs);
static_assert(2 * (kLeaderCheckIntervalMs + kLeaderCallDeadlineMs) <= kLeaderServerReleaseMinMs,
              "a leader cut off from the server must step down well before the server frees "
              "its lock");

}  // namespace simkeep::storage::postgres

#endif  // SIMKEEP_STORAGE_POSTGRES_LIMITS_H_
