#ifndef SIMKEEP_STORAGE_SQLITE_LEADER_LOCK_H_
#define SIMKEEP_STORAGE_SQLITE_LEADER_LOCK_H_

#include <memory>
#include <string>

#include "simkeep/app/leader_lease.h"
#include "simkeep/base/result.h"

namespace simkeep::storage::sqlite {

// The lock file of the database at `database_path`: the same path with ".leader" appended.
std::string LeaderLockPath(const std::string& database_path);

// Leadership among simkeep processes on one SQLite file (app::LeaderLease): an exclusive
// flock(2) on LeaderLockPath(database), taken without waiting. The kernel frees it when the
// holder closes the file or its process dies, however it dies, so a second `simkeep serve` on
// the same file follows and takes over within kLeaderTryIntervalMs of the first one's end.
// One server per database file is the supported setup; the lock only settles who leads when
// an operator starts a second one anyway (or during a restart).
//
// The file holds nothing and is never removed (removing it would let a new file be locked
// beside the old one). CheckHeld makes sure the path still names the locked file: if an
// operator removed or replaced it, the holder steps down rather than lead beside a process that
// locked the new file. flock works between processes of one machine only: the database
// directory must not be on a network file system (SQLite's WAL mode demands that already).
//
// Ownership: created by Create() and owned by the caller (cli), borrowed by one
// app::LeaderLoop. Not thread-safe: one thread at a time, as LeaderLease requires.
class SqliteLeaderLock final : public app::LeaderLease {
 public:
  // Does not open the file yet (TryAcquire does).
  // Errors: kInvalidArgument "database_path_invalid" (empty, or ":memory:").
  static Result<std::unique_ptr<SqliteLeaderLock>> Create(const std::string& database_path);
  // Releases the lock if held.
  ~SqliteLeaderLock() override;
  SqliteLeaderLock(const SqliteLeaderLock&) = delete;
  SqliteLeaderLock& operator=(const SqliteLeaderLock&) = delete;

  // Opens (creating, mode 0600) the lock file and tries flock(LOCK_EX | LOCK_NB). true when
  // this lock holds it; false when another open file does (another process, or another
  // SqliteLeaderLock). Errors: kUnavailable "leader_lock_unavailable" when the file cannot be
  // opened or locked (a missing directory, no permission).
  Result<bool> TryAcquire() override;
  // Errors: kUnavailable "leader_lost" when the lock path no longer names the locked file.
  Result<void> CheckHeld() override;
  // Closes the file, which frees the lock.
  void Release() override;
  std::string Describe() const override;
  app::LeaderIntervals intervals() const override;

  // The constructor is public for std::make_unique; use Create().
  explicit SqliteLeaderLock(std::string lock_path);

 private:
  const std::string lock_path_;
  int descriptor_ = -1;  // The open lock file while held; -1 otherwise.
};

}  // namespace simkeep::storage::sqlite

#endif  // SIMKEEP_STORAGE_SQLITE_LEADER_LOCK_H_
