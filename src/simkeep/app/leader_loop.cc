#include "simkeep/app/leader_loop.h"

#include <algorithm>
#include <utility>

#include "simkeep/base/assert.h"

namespace simkeep::app {

LeaderLoop::LeaderLoop(LeaderLease& lease, LeaderCallbacks callbacks)
    : lease_(lease), callbacks_(std::move(callbacks)), intervals_(lease.intervals()) {}

LeaderLoop::~LeaderLoop() { Stop(); }

void LeaderLoop::Start() {
  SIMKEEP_ASSERT(!thread_.joinable() && !stopped_);
  thread_ = std::thread([this] { Run(); });
}

void LeaderLoop::Stop() {
  if (stopped_) {
    return;
  }
  stopped_ = true;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
  // The thread is gone, so the lease and the callbacks are this thread's now.
  if (role_ == Role::kLeader) {
    Lose(std::nullopt);
  } else {
    role_ = Role::kFollower;
    lease_.Release();  // A follower may still keep a connection or a file open.
  }
}

bool LeaderLoop::IsLeader() const { return Status().leader; }

LeaderStatus LeaderLoop::Status() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return status_;
}

std::chrono::milliseconds LeaderLoop::RunOnce() {
  if (role_ == Role::kFollower) {
    Result<bool> acquired = lease_.TryAcquire();
    if (!acquired) {
      if (!lease_failing_ && callbacks_.on_unavailable) {
        callbacks_.on_unavailable(acquired.error());
      }
      lease_failing_ = true;
      return intervals_.try_interval;
    }
    lease_failing_ = false;
    if (!*acquired) {
      return intervals_.try_interval;
    }
    role_ = Role::kHolding;
    delay_left_ = intervals_.takeover_delay;
    return Hold();
  }
  Result<void> held = lease_.CheckHeld();
  if (!held) {
    if (role_ == Role::kLeader) {
      Lose(held.error());
    } else {
      role_ = Role::kFollower;  // Lost before leading: nothing to tell.
      lease_.Release();
    }
    return intervals_.try_interval;
  }
  return role_ == Role::kHolding ? Hold() : intervals_.check_interval;
}

std::chrono::milliseconds LeaderLoop::Hold() {
  if (delay_left_ <= std::chrono::milliseconds(0)) {
    Gain();
    return intervals_.check_interval;
  }
  // The delay is counted in the waits the loop asks for, each of which lasts at least as long
  // (a stop aside), so no clock is read.
  const std::chrono::milliseconds wait = std::min(intervals_.check_interval, delay_left_);
  delay_left_ -= wait;
  return wait;
}

void LeaderLoop::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    const std::chrono::milliseconds wait = RunOnce();
    lock.lock();
    wake_.wait_for(lock, wait, [this] { return stopping_; });
  }
}

void LeaderLoop::Gain() {
  int64_t term = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    status_.leader = true;
    term = ++status_.term;
  }
  role_ = Role::kLeader;
  if (callbacks_.on_gain) {
    callbacks_.on_gain(term);
  }
}

void LeaderLoop::Lose(std::optional<Error> cause) {
  int64_t term = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    SIMKEEP_ASSERT(status_.leader);
    status_.leader = false;
    term = status_.term;
  }
  role_ = Role::kFollower;
  // The term's work stops first (on_lose returns), and only then may another instance take
  // over: releasing before would let two leaders overlap.
  if (callbacks_.on_lose) {
    callbacks_.on_lose(term, cause);
  }
  lease_.Release();
}

}  // namespace simkeep::app
