#include "simkeep/app/read_pool.h"

namespace simkeep::app {

Result<void> ReadPool::Read(const std::function<Result<void>(Transaction&)>& work) {
  std::unique_ptr<Session> session;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_.empty()) {
      session = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!session) {
    Result<std::unique_ptr<Session>> connected = database_.Connect();
    if (!connected) {
      return connected.error();
    }
    session = std::move(*connected);
  }
  if (Result<void> begun = session->Begin(/*read_only=*/true); !begun) {
    return begun;  // The session is dropped: it may be broken.
  }
  Result<void> outcome = work(session->transaction());
  if (Result<void> ended = session->Rollback(); !ended) {
    return outcome ? ended : outcome;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  idle_.push_back(std::move(session));
  return outcome;
}

}  // namespace simkeep::app
