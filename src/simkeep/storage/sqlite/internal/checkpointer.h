#ifndef SIMKEEP_STORAGE_SQLITE_INTERNAL_CHECKPOINTER_H_
#define SIMKEEP_STORAGE_SQLITE_INTERNAL_CHECKPOINTER_H_

// Keeps WAL checkpoints off the write path. By default SQLite checkpoints on the connection that
// commits, once the log passes 1,000 pages: the committer would then copy the log into the
// database and sync it while every request waits. Instead, each connection a SqliteDatabase opens
// reports its commits to a WalSignal (through sqlite3_wal_hook, which also turns the automatic
// checkpoint off), and a Checkpointer thread with its own connection runs PASSIVE checkpoints,
// which never block the writer or readers. They cannot finish while the writer never pauses, so
// the writer itself starts the log over once it is long (Connection::RestartLogIfLong), with
// little left to copy.

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "simkeep/base/result.h"

namespace simkeep::storage::sqlite::internal {

class Connection;

// What writing connections tell the checkpointer: the size of the log after their last commit.
// Shared (std::shared_ptr) by the checkpointer and every connection, so either may go first.
class WalSignal {
 public:
  // Called by a connection's WAL hook after a commit left `frames` pages in the log.
  void NoteCommit(int64_t frames);
  // Waits until the log holds at least `threshold` pages, Stop() is called or `timeout_ms`
  // passes; returns the last reported log size (0 once a checkpoint has consumed it).
  int64_t Wait(int64_t threshold, int timeout_ms);
  void Stop();
  bool stopping() const;
  // After a checkpoint: the log is reported afresh by the next commit.
  void Reset();

 private:
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  int64_t frames_ = 0;
  int64_t threshold_ = 0;
  bool stopping_ = false;
};

// Counters, for tests and diagnostics.
struct CheckpointerStats {
  uint64_t checkpoints = 0;  // PASSIVE checkpoints run.
  int64_t last_log_frames = 0;
};

// Ownership: owned by SqliteDatabase; stops and joins its thread on destruction.
// Thread-safety: stats() may be called from any thread.
class Checkpointer {
 public:
  // Opens a connection to `path` and starts the thread.
  // Errors: kUnavailable "db_unavailable" when the file cannot be opened.
  static Result<std::unique_ptr<Checkpointer>> Start(const std::string& path);
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  const std::shared_ptr<WalSignal>& signal() const { return signal_; }
  CheckpointerStats stats() const;

  // The constructor is public for std::make_unique; use Start().
  Checkpointer(std::unique_ptr<Connection> connection, std::shared_ptr<WalSignal> signal);

 private:
  void Run();

  std::unique_ptr<Connection> connection_;
  std::shared_ptr<WalSignal> signal_;
  mutable std::mutex stats_mutex_;
  CheckpointerStats stats_;
  std::thread thread_;
};

}  // namespace simkeep::storage::sqlite::internal

#endif  // SIMKEEP_STORAGE_SQLITE_INTERNAL_CHECKPOINTER_H_
