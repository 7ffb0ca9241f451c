#include "simkeep/app/leader_loop.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace simkeep::app {
namespace {

using std::chrono::milliseconds;

// The shared resource of the fakes: at most one holder, like a lock on a database server.
class FakeLockServer {
 public:
  // Grants the lock to `holder` when it is free (or already its).
  bool TryLock(const void* holder) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (holder_ == nullptr) {
      holder_ = holder;
    }
    return holder_ == holder;
  }
  void Unlock(const void* holder) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (holder_ == holder) {
      holder_ = nullptr;
    }
  }
  bool HeldBy(const void* holder) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return holder_ == holder;
  }
  void set_reachable(bool reachable) { reachable_ = reachable; }
  bool reachable() const { return reachable_; }

 private:
  mutable std::mutex mutex_;
  const void* holder_ = nullptr;
  std::atomic<bool> reachable_{true};
};

// A lease on a FakeLockServer. Its "connection" can fail (the holder notices at its next check,
// and the server frees the lock only when the holder releases it, as the PostgreSQL lease's
// deadlines guarantee) or be severed (the process is killed: the server frees the lock at once
// and the lease never answers again).
class FakeLease final : public LeaderLease {
 public:
  explicit FakeLease(FakeLockServer& server) : server_(server) {}

  Result<bool> TryAcquire() override {
    ++acquire_calls;
    if (severed_ || !server_.reachable()) {
      return Unavailable("db_unavailable", "fake server unreachable");
    }
    return server_.TryLock(this);
  }
  Result<void> CheckHeld() override {
    ++check_calls;
    if (severed_ || connection_failed_ || !server_.HeldBy(this)) {
      return Unavailable("leader_lost", "fake connection lost");
    }
    return Ok();
  }
  void Release() override {
    ++release_calls;
    server_.Unlock(this);
    connection_failed_ = false;  // The next TryAcquire uses a new connection.
  }
  std::string Describe() const override { return "fake lock"; }
  LeaderIntervals intervals() const override { return intervals_; }

  void FailConnection() { connection_failed_ = true; }
  // The process holding this lease is killed: the server frees the lock at once.
  void Sever() {
    severed_ = true;
    server_.Unlock(this);
  }
  void set_intervals(LeaderIntervals intervals) { intervals_ = intervals; }

  std::atomic<int> acquire_calls{0};
  std::atomic<int> check_calls{0};
  std::atomic<int> release_calls{0};

 private:
  FakeLockServer& server_;
  std::atomic<bool> connection_failed_{false};
  std::atomic<bool> severed_{false};
  LeaderIntervals intervals_{milliseconds(30), milliseconds(10), milliseconds(0)};
};

// Waits until `condition` holds, for at most `limit`.
template <typename Condition>
bool Eventually(Condition condition, milliseconds limit = milliseconds(10'000)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) {
      return true;
    }
    std::this_thread::sleep_for(milliseconds(2));
  }
  return condition();
}

struct Recorded {
  std::vector<int64_t> gained;
  std::vector<std::pair<int64_t, std::string>> lost;  // Term and cause reason ("" for Stop()).
  std::vector<std::string> unavailable;
};

LeaderCallbacks Recording(Recorded& recorded, const LeaderLoop** loop = nullptr) {
  LeaderCallbacks callbacks;
  callbacks.on_gain = [&recorded, loop](int64_t term) {
    if (loop != nullptr) {
      EXPECT_TRUE((*loop)->IsLeader());
    }
    recorded.gained.push_back(term);
  };
  callbacks.on_lose = [&recorded, loop](int64_t term, const std::optional<Error>& cause) {
    if (loop != nullptr) {
      EXPECT_FALSE((*loop)->IsLeader());
    }
    recorded.lost.emplace_back(term, cause ? cause->reason : "");
  };
  callbacks.on_unavailable = [&recorded](const Error& error) {
    recorded.unavailable.push_back(error.reason);
  };
  return callbacks;
}

TEST(LeaderLoopTest, BecomesLeaderWhenTheLockIsFree) {
  FakeLockServer server;
  FakeLease lease(server);
  Recorded recorded;
  const LeaderLoop* self = nullptr;
  LeaderLoop loop(lease, Recording(recorded, &self));
  self = &loop;
  EXPECT_FALSE(loop.IsLeader());
  EXPECT_EQ(loop.Status().term, 0);

  EXPECT_EQ(loop.RunOnceForTest(), lease.intervals().check_interval);
  EXPECT_TRUE(loop.IsLeader());
  EXPECT_EQ(loop.Status().term, 1);
  EXPECT_EQ(recorded.gained, std::vector<int64_t>{1});
  EXPECT_TRUE(server.HeldBy(&lease));

  // A leader checks its hold instead of acquiring again.
  EXPECT_EQ(loop.RunOnceForTest(), lease.intervals().check_interval);
  EXPECT_EQ(lease.acquire_calls, 1);
  EXPECT_EQ(lease.check_calls, 1);
  EXPECT_EQ(recorded.gained.size(), 1u);
}

TEST(LeaderLoopTest, FollowsWhileAnotherHoldsTheLock) {
  FakeLockServer server;
  FakeLease first_lease(server);
  FakeLease second_lease(server);
  Recorded first_recorded, second_recorded;
  LeaderLoop first(first_lease, Recording(first_recorded));
  LeaderLoop second(second_lease, Recording(second_recorded));

  first.RunOnceForTest();
  EXPECT_EQ(second.RunOnceForTest(), second_lease.intervals().try_interval);
  EXPECT_TRUE(first.IsLeader());
  EXPECT_FALSE(second.IsLeader());
  EXPECT_TRUE(second_recorded.gained.empty());
  EXPECT_TRUE(second_recorded.unavailable.empty());  // Following is not a failure.
}

TEST(LeaderLoopTest, StepsDownWhenItsConnectionIsLostAndOnlyThenReleases) {
  FakeLockServer server;
  FakeLease lease(server);
  FakeLease other_lease(server);
  Recorded recorded, other_recorded;
  const LeaderLoop* self = nullptr;
  LeaderLoop loop(lease, Recording(recorded, &self));
  self = &loop;
  LeaderLoop other(other_lease, Recording(other_recorded));
  loop.RunOnceForTest();
  ASSERT_TRUE(loop.IsLeader());

  lease.FailConnection();
  // Until the leader notices, the server keeps its lock: the other instance still follows.
  other.RunOnceForTest();
  EXPECT_FALSE(other.IsLeader());

  EXPECT_EQ(loop.RunOnceForTest(), lease.intervals().try_interval);
  EXPECT_FALSE(loop.IsLeader());
  ASSERT_EQ(recorded.lost.size(), 1u);
  EXPECT_EQ(recorded.lost[0].first, 1);
  EXPECT_EQ(recorded.lost[0].second, "leader_lost");
  EXPECT_EQ(lease.release_calls, 1);
  EXPECT_FALSE(server.HeldBy(&lease));

  other.RunOnceForTest();
  EXPECT_TRUE(other.IsLeader());
  EXPECT_EQ(other.Status().term, 1);
}

TEST(LeaderLoopTest, LeadsOnlyAfterHoldingTheLockForTheTakeoverDelay) {
  FakeLockServer server;
  FakeLease lease(server);
  lease.set_intervals({milliseconds(30), milliseconds(10), milliseconds(25)});
  Recorded recorded;
  LeaderLoop loop(lease, Recording(recorded));
  // Acquired: then waits 10 + 10 + 5 ms (the waits the thread would make), checking the hold
  // after each, and leads at the check after the last.
  EXPECT_EQ(loop.RunOnceForTest(), milliseconds(10));
  EXPECT_TRUE(server.HeldBy(&lease));
  EXPECT_FALSE(loop.IsLeader());
  EXPECT_EQ(loop.RunOnceForTest(), milliseconds(10));
  EXPECT_EQ(loop.RunOnceForTest(), milliseconds(5));
  EXPECT_FALSE(loop.IsLeader());
  EXPECT_TRUE(recorded.gained.empty());
  EXPECT_EQ(loop.RunOnceForTest(), milliseconds(10));
  EXPECT_TRUE(loop.IsLeader());
  EXPECT_EQ(recorded.gained, std::vector<int64_t>{1});
  EXPECT_EQ(lease.check_calls, 3);
}

TEST(LeaderLoopTest, AHoldLostDuringTheTakeoverDelayIsReleasedWithoutCallbacks) {
  FakeLockServer server;
  FakeLease lease(server);
  lease.set_intervals({milliseconds(30), milliseconds(10), milliseconds(25)});
  Recorded recorded;
  LeaderLoop loop(lease, Recording(recorded));
  loop.RunOnceForTest();
  lease.FailConnection();
  EXPECT_EQ(loop.RunOnceForTest(), milliseconds(30));
  EXPECT_FALSE(loop.IsLeader());
  EXPECT_EQ(lease.release_calls, 1);
  EXPECT_TRUE(recorded.gained.empty());
  EXPECT_TRUE(recorded.lost.empty());
  EXPECT_EQ(loop.Status().term, 0);
}

// The server frees the leader's lock behind its back (as PostgreSQL does for a terminated
// session): another instance acquires it at once, but the old leader notices at its next check,
// well within the takeover delay, so the two never lead together.
TEST(LeaderLoopTest, ANewHolderWaitsUntilAnOldLeaderHasNoticedItsLoss) {
  FakeLockServer server;
  FakeLease old_lease(server);
  FakeLease new_lease(server);
  const LeaderIntervals intervals{milliseconds(30), milliseconds(10), milliseconds(25)};
  old_lease.set_intervals(intervals);
  new_lease.set_intervals(intervals);
  Recorded old_recorded, new_recorded;
  LeaderLoop old_loop(old_lease, Recording(old_recorded));
  LeaderLoop new_loop(new_lease, Recording(new_recorded));
  while (!old_loop.IsLeader()) {
    old_loop.RunOnceForTest();
  }
  server.Unlock(&old_lease);  // Behind the old leader's back.

  new_loop.RunOnceForTest();  // Acquires; holding, not leading.
  EXPECT_TRUE(server.HeldBy(&new_lease));
  EXPECT_FALSE(new_loop.IsLeader());
  old_loop.RunOnceForTest();  // Its next check, at most check_interval later: it steps down.
  EXPECT_FALSE(old_loop.IsLeader());
  ASSERT_EQ(old_recorded.lost.size(), 1u);
  EXPECT_TRUE(server.HeldBy(&new_lease));  // The old leader's release left the new hold alone.
  while (!new_loop.IsLeader()) {
    new_loop.RunOnceForTest();
  }
  EXPECT_EQ(new_recorded.gained, std::vector<int64_t>{1});
}

TEST(LeaderLoopTest, CountsATermPerLeadership) {
  FakeLockServer server;
  FakeLease lease(server);
  Recorded recorded;
  LeaderLoop loop(lease, Recording(recorded));
  loop.RunOnceForTest();
  lease.FailConnection();
  loop.RunOnceForTest();
  EXPECT_FALSE(loop.IsLeader());
  EXPECT_EQ(loop.Status().term, 1);
  loop.RunOnceForTest();
  EXPECT_TRUE(loop.IsLeader());
  EXPECT_EQ(loop.Status().term, 2);
  EXPECT_EQ(recorded.gained, (std::vector<int64_t>{1, 2}));
}

TEST(LeaderLoopTest, ReportsAnUnreachableLockOncePerOutage) {
  FakeLockServer server;
  FakeLease lease(server);
  Recorded recorded;
  LeaderLoop loop(lease, Recording(recorded));
  server.set_reachable(false);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(loop.RunOnceForTest(), lease.intervals().try_interval);
    EXPECT_FALSE(loop.IsLeader());
  }
  EXPECT_EQ(recorded.unavailable, std::vector<std::string>{"db_unavailable"});

  server.set_reachable(true);
  loop.RunOnceForTest();
  EXPECT_TRUE(loop.IsLeader());
  server.set_reachable(false);
  lease.FailConnection();
  loop.RunOnceForTest();  // Loses the hold.
  loop.RunOnceForTest();  // A new outage: reported again.
  EXPECT_EQ(recorded.unavailable.size(), 2u);
}

TEST(LeaderLoopTest, StopGivesLeadershipUpSoAnotherTakesOver) {
  FakeLockServer server;
  FakeLease lease(server);
  FakeLease other_lease(server);
  Recorded recorded, other_recorded;
  auto loop = std::make_unique<LeaderLoop>(lease, Recording(recorded));
  LeaderLoop other(other_lease, Recording(other_recorded));
  loop->RunOnceForTest();
  ASSERT_TRUE(loop->IsLeader());

  loop->Stop();
  EXPECT_FALSE(loop->IsLeader());
  ASSERT_EQ(recorded.lost.size(), 1u);
  EXPECT_EQ(recorded.lost[0], (std::pair<int64_t, std::string>{1, ""}));
  EXPECT_FALSE(server.HeldBy(&lease));
  loop->Stop();  // Idempotent.
  loop.reset();
  EXPECT_EQ(recorded.lost.size(), 1u);

  other.RunOnceForTest();
  EXPECT_TRUE(other.IsLeader());
}

TEST(LeaderLoopTest, StopOfAFollowerReleasesItsLeaseWithoutCallbacks) {
  FakeLockServer server;
  FakeLease holder(server);
  ASSERT_TRUE(server.TryLock(&holder));
  FakeLease lease(server);
  Recorded recorded;
  LeaderLoop loop(lease, Recording(recorded));
  loop.Start();
  ASSERT_TRUE(Eventually([&] { return lease.acquire_calls >= 2; }));
  loop.Stop();
  EXPECT_TRUE(recorded.gained.empty());
  EXPECT_TRUE(recorded.lost.empty());
  EXPECT_GE(lease.release_calls, 1);
  EXPECT_TRUE(server.HeldBy(&holder));
}

TEST(LeaderLoopTest, ThreadTakesOverWhenTheLeaderIsKilled) {
  FakeLockServer server;
  FakeLease first_lease(server);
  FakeLease second_lease(server);
  Recorded first_recorded, second_recorded;
  LeaderLoop first(first_lease, Recording(first_recorded));
  first.Start();
  ASSERT_TRUE(Eventually([&] { return first.IsLeader(); }));
  LeaderLoop second(second_lease, Recording(second_recorded));
  second.Start();
  ASSERT_TRUE(Eventually([&] { return second_lease.acquire_calls >= 2; }));
  EXPECT_FALSE(second.IsLeader());

  first_lease.Sever();
  EXPECT_TRUE(Eventually([&] { return second.IsLeader(); }));
  EXPECT_TRUE(Eventually([&] { return !first.IsLeader(); }));
  second.Stop();
  first.Stop();
}

// Several loops on one lock, their connections failing at random (seeded): whenever one
// instance's on_gain runs, no other instance is between its own on_gain and on_lose.
TEST(LeaderLoopTest, NeverTwoLeadersWhileConnectionsFail) {
  constexpr int kInstances = 3;
  constexpr int kGainsWanted = 30;
  FakeLockServer server;
  std::atomic<int> leaders{0};
  std::atomic<int> leaders_max{0};
  std::atomic<int> gains{0};
  std::vector<std::unique_ptr<FakeLease>> leases;
  std::vector<std::unique_ptr<LeaderLoop>> loops;
  for (int i = 0; i < kInstances; ++i) {
    leases.push_back(std::make_unique<FakeLease>(server));
    leases.back()->set_intervals({milliseconds(1), milliseconds(1), milliseconds(0)});
    LeaderCallbacks callbacks;
    callbacks.on_gain = [&](int64_t) {
      const int now = ++leaders;
      int seen = leaders_max.load();
      while (now > seen && !leaders_max.compare_exchange_weak(seen, now)) {
      }
      ++gains;
      std::this_thread::sleep_for(milliseconds(1));  // Widen the window a second leader needs.
    };
    callbacks.on_lose = [&](int64_t, const std::optional<Error>&) {
      std::this_thread::sleep_for(milliseconds(1));
      --leaders;
    };
    loops.push_back(std::make_unique<LeaderLoop>(*leases.back(), std::move(callbacks)));
  }
  for (auto& loop : loops) {
    loop->Start();
  }
  std::mt19937 random(20261122);  // Fixed seed: the same sequence of failures every run.
  const bool handed_over = Eventually([&] {
    for (auto& lease : leases) {
      if (random() % 4 == 0) {
        lease->FailConnection();
      }
    }
    std::this_thread::sleep_for(milliseconds(1));
    return gains >= kGainsWanted;
  });
  for (auto& loop : loops) {
    loop->Stop();
  }
  EXPECT_TRUE(handed_over) << "only " << gains << " leaderships";
  EXPECT_EQ(leaders_max, 1);
  EXPECT_EQ(leaders, 0);
  int leading = 0;
  for (auto& loop : loops) {
    leading += loop->IsLeader() ? 1 : 0;
  }
  EXPECT_EQ(leading, 0);
}

}  // namespace
}  // namespace simkeep::app
