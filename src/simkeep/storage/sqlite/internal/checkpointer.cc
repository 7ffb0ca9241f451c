#include "simkeep/storage/sqlite/internal/checkpointer.h"

#include <chrono>
#include <utility>

#include <sqlite3.h>

#include "simkeep/storage/sqlite/internal/connection.h"
#include "simkeep/storage/sqlite/limits.h"

namespace simkeep::storage::sqlite::internal {

void WalSignal::NoteCommit(int64_t frames) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    frames_ = frames;
    wake = threshold_ > 0 && frames >= threshold_;
  }
  if (wake) {
    wake_.notify_one();
  }
}

int64_t WalSignal::Wait(int64_t threshold, int timeout_ms) {
  std::unique_lock<std::mutex> lock(mutex_);
  threshold_ = threshold;
  wake_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                 [&] { return stopping_ || frames_ >= threshold; });
  threshold_ = 0;
  return frames_;
}

void WalSignal::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
}

bool WalSignal::stopping() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stopping_;
}

void WalSignal::Reset() {
  std::lock_guard<std::mutex> lock(mutex_);
  frames_ = 0;
}

Result<std::unique_ptr<Checkpointer>> Checkpointer::Start(const std::string& path) {
  Result<std::unique_ptr<Connection>> connection = Connection::Open(path, nullptr);
  if (!connection) {
    return connection.error();
  }
  return std::make_unique<Checkpointer>(std::move(*connection), std::make_shared<WalSignal>());
}

Checkpointer::Checkpointer(std::unique_ptr<Connection> connection,
                           std::shared_ptr<WalSignal> signal)
    : connection_(std::move(connection)), signal_(std::move(signal)) {
  thread_ = std::thread([this] { Run(); });
}

Checkpointer::~Checkpointer() {
  signal_->Stop();
  thread_.join();
}

CheckpointerStats Checkpointer::stats() const {
  std::lock_guard<std::mutex> lock(stats_mutex_);
  return stats_;
}

void Checkpointer::Run() {
  // An idle database is looked at now and then, so that a log left long by a burst is copied
  // back even if no further commit reports it.
  constexpr int kIdleWaitMs = 1000;
  while (true) {
    const int64_t frames = signal_->Wait(kCheckpointLogPages, kIdleWaitMs);
    if (signal_->stopping()) {
      return;
    }
    if (frames == 0) {
      continue;
    }
    signal_->Reset();
    int log_frames = 0;
    int copied_frames = 0;
    // A failed checkpoint (another process holding a lock, a busy reader) is simply tried again
    // at the next signal: the log stays valid and readers keep using it.
    sqlite3_wal_checkpoint_v2(connection_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                              &log_frames, &copied_frames);
    {
      std::lock_guard<std::mutex> lock(stats_mutex_);
      ++stats_.checkpoints;
      stats_.last_log_frames = log_frames;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(kCheckpointIntervalMinMs));
  }
}

}  // namespace simkeep::storage::sqlite::internal
