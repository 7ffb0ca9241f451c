#include "simkeep/app/committer.h"

#include <exception>
#include <future>
#include <utility>

namespace simkeep::app {
namespace {

Error ShuttingDown() {
  return Unavailable("shutting_down", "The server is shutting down; retry on another instance.");
}

// Runs one command, converting an exception from third-party code inside it into an error: this
// is the committer's boundary, and one throwing command must not take the batch down.
Result<void> ApplyGuarded(const Committer::Apply& apply, Transaction& transaction) {
  try {
    return apply(transaction);
  } catch (const std::exception& e) {
    return Internal(std::string("command failed: ") + e.what());
  }
}

}  // namespace

Committer::Committer(Database& database, size_t batch_size_max)
    : database_(database), batch_size_max_(batch_size_max) {}

Committer::~Committer() { Stop(); }

Result<void> Committer::Start() {
  Result<std::unique_ptr<Session>> session = database_.Connect();
  if (!session) {
    return session.error();
  }
  session_ = std::move(*session);
  std::lock_guard<std::mutex> lock(mutex_);
  stopping_ = false;
  running_ = true;
  thread_ = std::thread([this] { Run(); });
  return Ok();
}

void Committer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!running_) {
      return;
    }
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  std::lock_guard<std::mutex> lock(mutex_);
  running_ = false;
}

void Committer::Submit(Apply apply, Done done) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (running_ && !stopping_) {
      queue_.push_back(Command{std::move(apply), std::move(done), Ok()});
      wake_.notify_one();
      return;
    }
  }
  done(ShuttingDown());
}

Result<void> Committer::RunAndWait(Apply apply) {
  auto promise = std::make_shared<std::promise<Result<void>>>();
  std::future<Result<void>> future = promise->get_future();
  Submit(std::move(apply), [promise](Result<void> outcome) { promise->set_value(outcome); });
  return future.get();
}

CommitterStats Committer::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

void Committer::Run() {
  std::deque<Command> batch;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) {
        return;  // Stopping, and every queued command has been answered.
      }
      while (!queue_.empty() && batch.size() < batch_size_max_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    ApplyBatch(batch);
    batch.clear();
  }
}

void Committer::ApplyBatch(std::deque<Command>& batch) {
  Result<void> batch_outcome = session_->Begin(/*read_only=*/false);
  uint64_t rejected = 0;
  for (Command& command : batch) {
    if (!batch_outcome) {
      break;
    }
    // Twice at most: again, step by step, when the session sent the command's writes ahead and
    // one of them was refused (Session::ReplayCommand).
    do {
      if (Result<void> savepoint = session_->CommandSavepoint(); !savepoint) {
        batch_outcome = savepoint;
        break;
      }
      command.outcome = ApplyGuarded(command.apply, session_->transaction());
      Result<void> end =
          command.outcome ? session_->ReleaseSavepoint() : session_->RollbackToSavepoint();
      if (!end) {
        batch_outcome = end;
      }
    } while (batch_outcome && session_->ReplayCommand());
    if (batch_outcome && !command.outcome) {
      ++rejected;
    }
  }
  if (batch_outcome) {
    batch_outcome = session_->Commit();
  }
  if (!batch_outcome) {
    (void)session_->Rollback();  // Best effort; the transaction is abandoned either way.
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.commands += batch.size();
    stats_.rejected += rejected;
    ++(batch_outcome ? stats_.batches : stats_.failed_batches);
  }
  for (Command& command : batch) {
    if (batch_outcome) {
      command.done(std::move(command.outcome));
    } else {
      command.done(Unavailable("db_unavailable",
                               "The database could not commit: " + batch_outcome.error().message));
    }
  }
}

}  // namespace simkeep::app
