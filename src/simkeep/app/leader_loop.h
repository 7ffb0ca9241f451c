#ifndef SIMKEEP_APP_LEADER_LOOP_H_
#define SIMKEEP_APP_LEADER_LOOP_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "simkeep/app/leader_lease.h"
#include "simkeep/base/error.h"

namespace simkeep::app {

// Whether this instance leads, and its term: 0 before its first leadership, then 1, 2, ... for
// each time this process became leader. Terms count in one process only; they are not
// comparable between instances.
struct LeaderStatus {
  bool leader = false;
  int64_t term = 0;
};

// What a LeaderLoop tells its owner. Every callback is optional and runs on the loop's thread
// (or on the thread calling Stop()), never two at once, without the loop's lock held: a
// callback may call IsLeader() and Status().
struct LeaderCallbacks {
  // This instance just became leader for `term`; IsLeader() is already true.
  std::function<void(int64_t term)> on_gain;
  // This instance stopped leading `term`; IsLeader() is already false. Called before the lease
  // is released, so work of the term can be stopped before another instance may start: the
  // loop waits for the callback to return. `cause` is CheckHeld's error when the hold was lost,
  // nullopt when Stop() gave the leadership up.
  std::function<void(int64_t term, const std::optional<Error>& cause)> on_lose;
  // The lease could not be asked (TryAcquire failed, e.g. the database is unreachable). Called
  // once per run of failures, not on every retry.
  std::function<void(const Error& error)> on_unavailable;
};

// Runs the election of one instance over a LeaderLease: as a follower it tries to acquire the
// lease every try_interval; once it holds it, it checks the hold every check_interval, and
// leads (IsLeader() true, on_gain) after holding it for takeover_delay; it steps down
// (IsLeader() false, on_lose, then Release) as soon as a check fails. The delay lets a previous
// leader that lost its hold without knowing it notice and step down first (see
// LeaderIntervals), so at most one instance leads at a time unless a process stalls for longer
// than the delay (a lease is not a fence).
//
// Ownership: borrows the lease, which must outlive the loop; owns one thread between Start()
// and Stop(). Thread-safety: IsLeader() and Status() may be called from any thread; Start() and
// Stop() from the owner's thread.
class LeaderLoop {
 public:
  LeaderLoop(LeaderLease& lease, LeaderCallbacks callbacks);
  // Stops the loop (see Stop()).
  ~LeaderLoop();
  LeaderLoop(const LeaderLoop&) = delete;
  LeaderLoop& operator=(const LeaderLoop&) = delete;

  // Starts the thread; its first attempt runs at once. REQUIRES: not started or stopped before.
  // The callbacks and the lease are used from that thread from now on.
  void Start();
  // Ends the thread (waiting for a lease call in progress, which the lease bounds), steps down
  // if leading (on_lose with no cause) and releases the lease, so another instance can take
  // it at once (and lead after its takeover delay). Idempotent.
  void Stop();

  // True while this instance leads. Turns false before on_lose runs.
  bool IsLeader() const;
  LeaderStatus Status() const;

  // One round of the loop on the calling thread, as the loop's thread runs it: returns how long
  // the thread would wait before the next. For tests driving the loop without its thread.
  // REQUIRES: Start() was not called.
  std::chrono::milliseconds RunOnceForTest() { return RunOnce(); }

 private:
  // Where this instance stands. kHolding: the lease is held, the takeover delay not over yet.
  enum class Role { kFollower, kHolding, kLeader };

  std::chrono::milliseconds RunOnce();
  // The next step while holding: lead once the delay is over, else wait (part of) it.
  std::chrono::milliseconds Hold();
  void Run();
  void Gain();
  void Lose(std::optional<Error> cause);

  LeaderLease& lease_;
  const LeaderCallbacks callbacks_;
  const LeaderIntervals intervals_;
  std::thread thread_;
  // Loop thread only (or the caller of RunOnceForTest, or of Stop() once the thread is gone):
  Role role_ = Role::kFollower;
  std::chrono::milliseconds delay_left_{0};  // Of the takeover delay, while kHolding.
  bool lease_failing_ = false;               // The last TryAcquire failed.
  bool stopped_ = false;                     // Stop() ran. Owner's thread only.

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // Guarded by mutex_.
  LeaderStatus status_;    // Guarded by mutex_.
};

}  // namespace simkeep::app

#endif  // SIMKEEP_APP_LEADER_LOOP_H_
