#ifndef SIMKEEP_APP_COMMITTER_H_
#define SIMKEEP_APP_COMMITTER_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "simkeep/app/ports.h"
#include "simkeep/base/result.h"

namespace simkeep::app {

// Counters a committer keeps, read by /metrics. All monotonic.
struct CommitterStats {
  uint64_t commands = 0;  // Commands applied (accepted or rejected).
  uint64_t rejected = 0;  // Commands whose apply returned an error (savepoint rolled back).
  uint64_t batches = 0;   // Transactions committed.
  uint64_t failed_batches = 0;
};

// The single writer of a database (DESIGN.md §5, group commit). Threads hand it commands; its
// own thread applies a batch of them in one transaction, each inside its own savepoint so that
// one rejected command does not spoil the others, commits once, and only then reports every
// command's outcome. So a caller hears "success" only for a write that is durable, and one
// fsync serves the whole batch.
//
// Ownership: owns its session and thread; the Database must outlive it.
// Thread-safety: Submit and RunAndWait may be called from any thread. `done` callbacks run on the
// committer thread and must be quick (hand the result to another thread).
class Committer {
 public:
  // The work of one command. It runs on the committer thread inside a savepoint; returning an
  // error rolls the savepoint back, so the command writes nothing. It may run twice (the second
  // time step by step, see Session::CommandSavepoint): what it leaves outside the transaction
  // must be set afresh by each run.
  using Apply = std::function<Result<void>(Transaction&)>;
  // Called once per command after its batch committed (with Apply's result) or failed to commit
  // (with kUnavailable "db_unavailable"; nothing of the command was written).
  using Done = std::function<void(Result<void>)>;

  // `batch_size_max` bounds the commands per transaction.
  Committer(Database& database, size_t batch_size_max);
  ~Committer();
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  // Connects and starts the thread. kUnavailable if the database cannot be opened.
  Result<void> Start();
  // Finishes the queued commands, then stops the thread. Idempotent.
  void Stop();

  // Queues a command. If the committer is stopped, `done` gets kUnavailable "shutting_down"
  // at once, on the caller's thread.
  void Submit(Apply apply, Done done);
  // Submits and waits for the outcome; for the CLI and tests.
  Result<void> RunAndWait(Apply apply);

  CommitterStats stats() const;

 private:
  struct Command {
    Apply apply;
    Done done;
    Result<void> outcome;
  };

  void Run();
  void ApplyBatch(std::deque<Command>& batch);

  Database& database_;
  const size_t batch_size_max_;
  std::unique_ptr<Session> session_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Command> queue_;
  bool stopping_ = false;
  bool running_ = false;
  CommitterStats stats_;
};

}  // namespace simkeep::app

#endif  // SIMKEEP_APP_COMMITTER_H_
