#include "simkeep/storage/sqlite/leader_lock.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "simkeep/base/assert.h"
#include "simkeep/storage/sqlite/limits.h"

namespace simkeep::storage::sqlite {
namespace {

std::string SystemError(const std::string& what) { return what + ": " + std::strerror(errno); }

// Whether `path` names the file open as `descriptor` (not a new file created after a removal).
bool PathNamesFile(const std::string& path, int descriptor) {
  struct stat by_path {};
  struct stat by_descriptor {};
  if (stat(path.c_str(), &by_path) != 0 || fstat(descriptor, &by_descriptor) != 0) {
    return false;
  }
  return by_path.st_dev == by_descriptor.st_dev && by_path.st_ino == by_descriptor.st_ino;
}

}  // namespace

std::string LeaderLockPath(const std::string& database_path) { return database_path + ".leader"; }

Result<std::unique_ptr<SqliteLeaderLock>> SqliteLeaderLock::Create(
    const std::string& database_path) {
  if (database_path.empty() || database_path == ":memory:") {
    return InvalidArgument("database_path_invalid",
                           "Leader election needs a database file to put its lock file beside.");
  }
  return std::make_unique<SqliteLeaderLock>(LeaderLockPath(database_path));
}

SqliteLeaderLock::SqliteLeaderLock(std::string lock_path) : lock_path_(std::move(lock_path)) {}

SqliteLeaderLock::~SqliteLeaderLock() { Release(); }

Result<bool> SqliteLeaderLock::TryAcquire() {
  if (descriptor_ >= 0) {
    return true;
  }
  // Opened anew at every attempt, so that a follower never waits on a file that was replaced.
  // O_CLOEXEC: a child process must not inherit (and keep) the lock.
  const int descriptor = open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (descriptor < 0) {
    return Unavailable("leader_lock_unavailable", SystemError("open " + lock_path_));
  }
  if (flock(descriptor, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    close(descriptor);
    if (error == EWOULDBLOCK || error == EINTR) {
      return false;
    }
    errno = error;
    return Unavailable("leader_lock_unavailable", SystemError("flock " + lock_path_));
  }
  // The file may have been replaced between open and flock; then this lock is on a file no one
  // else will look at.
  if (!PathNamesFile(lock_path_, descriptor)) {
    close(descriptor);
    return false;
  }
  descriptor_ = descriptor;
  return true;
}

Result<void> SqliteLeaderLock::CheckHeld() {
  SIMKEEP_ASSERT(descriptor_ >= 0);
  if (!PathNamesFile(lock_path_, descriptor_)) {
    return Unavailable("leader_lost", lock_path_ +
                                          " was removed or replaced; the lock on the "
                                          "old file no longer keeps others out");
  }
  return Ok();
}

void SqliteLeaderLock::Release() {
  if (descriptor_ >= 0) {
    close(descriptor_);  // Frees the flock: this is the only descriptor of its open file.
    descriptor_ = -1;
  }
}

std::string SqliteLeaderLock::Describe() const { return "flock on " + lock_path_; }

app::LeaderIntervals SqliteLeaderLock::intervals() const {
  return {std::chrono::milliseconds(kLeaderTryIntervalMs),
          std::chrono::milliseconds(kLeaderCheckIntervalMs),
          std::chrono::milliseconds(kLeaderTakeoverDelayMs)};
}

}  // namespace simkeep::storage::sqlite
