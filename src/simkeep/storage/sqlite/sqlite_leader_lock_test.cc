// SqliteLeaderLock: one leader per database file, a takeover when the holder's process is
// killed, and a holder stepping down when its lock file is replaced.

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "simkeep/app/leader_loop.h"
#include "simkeep/storage/sqlite/leader_lock.h"
#include "simkeep/storage/sqlite/limits.h"

namespace simkeep::storage::sqlite {
namespace {

using std::chrono::milliseconds;

// A directory of its own, removed at the end; the database file itself is never created (the
// lock does not need it).
class LeaderLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "simkeep_leader.XXXXXX");
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    directory_ = pattern;
    database_ = directory_ + "/simkeep.db";
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  std::unique_ptr<SqliteLeaderLock> NewLock() {
    Result<std::unique_ptr<SqliteLeaderLock>> lock = SqliteLeaderLock::Create(database_);
    EXPECT_TRUE(lock.has_value());
    return lock ? std::move(*lock) : nullptr;
  }

  std::string directory_;
  std::string database_;
};

template <typename Condition>
bool Eventually(Condition condition, milliseconds limit = milliseconds(10'000)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) {
      return true;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  return condition();
}

bool Acquires(SqliteLeaderLock& lock) {
  Result<bool> acquired = lock.TryAcquire();
  EXPECT_TRUE(acquired.has_value()) << acquired.error().message;
  return acquired.has_value() && *acquired;
}

TEST_F(LeaderLockTest, TheLockFileSitsBesideTheDatabase) {
  EXPECT_EQ(LeaderLockPath("/var/lib/simkeep/simkeep.db"), "/var/lib/simkeep/simkeep.db.leader");
  EXPECT_EQ(NewLock()->Describe(), "flock on " + database_ + ".leader");
  Result<std::unique_ptr<SqliteLeaderLock>> memory = SqliteLeaderLock::Create(":memory:");
  ASSERT_FALSE(memory.has_value());
  EXPECT_EQ(memory.error().reason, "database_path_invalid");
}

TEST_F(LeaderLockTest, OneOfTwoLocksLeadsUntilItReleases) {
  std::unique_ptr<SqliteLeaderLock> first = NewLock();
  std::unique_ptr<SqliteLeaderLock> second = NewLock();
  EXPECT_TRUE(Acquires(*first));
  EXPECT_FALSE(Acquires(*second));
  EXPECT_TRUE(first->CheckHeld().has_value());
  EXPECT_TRUE(Acquires(*first));  // Still held.
  EXPECT_TRUE(std::filesystem::exists(database_ + ".leader"));

  first->Release();
  EXPECT_TRUE(Acquires(*second));
  EXPECT_FALSE(Acquires(*first));
  second.reset();  // The destructor releases too.
  EXPECT_TRUE(Acquires(*first));
}

TEST_F(LeaderLockTest, AMissingDirectoryIsUnavailable) {
  Result<std::unique_ptr<SqliteLeaderLock>> lock =
      SqliteLeaderLock::Create(directory_ + "/missing/simkeep.db");
  ASSERT_TRUE(lock.has_value());
  Result<bool> acquired = (*lock)->TryAcquire();
  ASSERT_FALSE(acquired.has_value());
  EXPECT_EQ(acquired.error().reason, "leader_lock_unavailable");
}

TEST_F(LeaderLockTest, AReplacedLockFileMakesTheHolderStepDown) {
  std::unique_ptr<SqliteLeaderLock> first = NewLock();
  std::unique_ptr<SqliteLeaderLock> second = NewLock();
  ASSERT_TRUE(Acquires(*first));
  std::filesystem::remove(database_ + ".leader");
  Result<void> held = first->CheckHeld();
  ASSERT_FALSE(held.has_value());
  EXPECT_EQ(held.error().reason, "leader_lost");
  first->Release();
  EXPECT_TRUE(Acquires(*second));  // On the new file, which the old holder no longer claims.
  EXPECT_FALSE(Acquires(*first));
}

TEST_F(LeaderLockTest, TheKernelFreesTheLockOfAKilledProcess) {
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child holds the lock until it is killed; it reports through the pipe that it does.
    close(ready[0]);
    std::unique_ptr<SqliteLeaderLock> lock = NewLock();
    Result<bool> acquired = lock->TryAcquire();
    const char answer = acquired.has_value() && *acquired ? 'y' : 'n';
    if (write(ready[1], &answer, 1) != 1) {
      _exit(2);
    }
    while (true) {
      pause();
    }
  }
  close(ready[1]);
  char answer = 0;
  ASSERT_EQ(read(ready[0], &answer, 1), 1);
  close(ready[0]);
  ASSERT_EQ(answer, 'y');

  std::unique_ptr<SqliteLeaderLock> lock = NewLock();
  app::LeaderLoop loop(*lock, {});
  loop.Start();
  std::this_thread::sleep_for(milliseconds(2 * kLeaderTryIntervalMs));
  EXPECT_FALSE(loop.IsLeader());  // The child leads.

  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(Eventually([&] { return loop.IsLeader(); }));
  EXPECT_EQ(loop.Status().term, 1);
}

TEST_F(LeaderLockTest, LoopsElectOneLeaderAndTheOtherTakesOverWhenItStops) {
  std::unique_ptr<SqliteLeaderLock> first_lock = NewLock();
  std::unique_ptr<SqliteLeaderLock> second_lock = NewLock();
  auto first = std::make_unique<app::LeaderLoop>(*first_lock, app::LeaderCallbacks{});
  auto second = std::make_unique<app::LeaderLoop>(*second_lock, app::LeaderCallbacks{});
  first->Start();
  second->Start();
  ASSERT_TRUE(Eventually([&] { return first->IsLeader() || second->IsLeader(); }));
  std::this_thread::sleep_for(milliseconds(2 * kLeaderTryIntervalMs));  // Both have tried.
  ASSERT_NE(first->IsLeader(), second->IsLeader());
  if (second->IsLeader()) {
    std::swap(first, second);
  }
  first->Stop();
  EXPECT_TRUE(Eventually([&] { return second->IsLeader(); }));
  EXPECT_FALSE(first->IsLeader());
  second->Stop();
}

}  // namespace
}  // namespace simkeep::storage::sqlite
