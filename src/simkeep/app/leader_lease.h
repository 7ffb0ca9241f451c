#ifndef SIMKEEP_APP_LEADER_LEASE_H_
#define SIMKEEP_APP_LEADER_LEASE_H_

#include <chrono>
#include <string>

#include "simkeep/base/result.h"

namespace simkeep::app {

// How a LeaderLoop paces its lease. Each lease chooses its own, because its safety depends on
// them. A hold can end without its holder's doing (PostgreSQL ends a session that was
// terminated, or restarted; an operator replaces a lock file), and the holder only learns it
// at its next check: within check_interval plus the lease's deadline for CheckHeld. So an
// instance that acquires the hold waits takeover_delay, longer than that, checking its hold,
// before it leads: by then a previous leader has stepped down.
struct LeaderIntervals {
  std::chrono::milliseconds try_interval;    // A follower's wait between two TryAcquire calls.
  std::chrono::milliseconds check_interval;  // A holder's wait between two CheckHeld calls.
  std::chrono::milliseconds takeover_delay;  // From acquiring the hold to leading.
};

// The port to "at most one holder at a time" that several simkeep processes on one database
// compete for (DESIGN.md §5: the scheduler has one leader). An adapter implements it with what
// its database offers: storage/postgres with a session-level advisory lock on a connection of
// its own, storage/sqlite with an exclusive flock on a file beside the database. The holder
// keeps it while its process (and, for PostgreSQL, its connection) lives; the resource frees it
// when the holder dies, so another instance can take over.
//
// A lease is not a fence: between a holder losing its hold and noticing it (at most
// check_interval plus the CheckHeld deadline, unless its process stalls longer than the
// takeover delay), it may still believe it leads. Work done by the leader must therefore stay
// idempotent by natural key, as every scheduler job is.
//
// Ownership: owned by whoever wires the process (cli) and borrowed by one LeaderLoop.
// Thread-safety: none. The loop calls it from one thread at a time.
class LeaderLease {
 public:
  virtual ~LeaderLease() = default;

  // Tries to take the hold without waiting for it. true: this lease holds it now (also when it
  // already did). false: another holder has it. Errors: kUnavailable (e.g. "db_unavailable",
  // "leader_lock_unavailable") when the resource could not be asked; the caller is then not a
  // leader and tries again later.
  virtual Result<bool> TryAcquire() = 0;

  // REQUIRES: the last TryAcquire returned true and nothing was released since.
  // Success: the hold is still this lease's. Errors: kUnavailable "leader_lost" (or
  // "db_unavailable") when it may no longer be: the connection failed or missed its deadline,
  // or the lock file was replaced. The caller must stop acting as leader and call Release().
  // Bounded in time by the adapter's deadline; it never waits for the resource indefinitely.
  virtual Result<void> CheckHeld() = 0;

  // Gives the hold up (if held) and frees whatever the lease keeps open, so that another
  // instance can take over at once. Never fails: a hold that cannot be given up politely is
  // dropped with its connection or file. A later TryAcquire starts afresh.
  virtual void Release() = 0;

  // What is held, for logs: "PostgreSQL advisory lock 8315...", "flock on /var/...leader".
  virtual std::string Describe() const = 0;

  // The intervals a LeaderLoop must use with this lease (see LeaderIntervals).
  virtual LeaderIntervals intervals() const = 0;
};

}  // namespace simkeep::app

#endif  // SIMKEEP_APP_LEADER_LEASE_H_
