// PostgresLeaderLock on a real server (scripts/with_postgres.sh): one leader among several
// locks, a takeover once the leader's session ends, and a leader that loses its server stepping
// down before the server frees its lock.

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <signal.h>

#include "simkeep/app/leader_loop.h"
#include "simkeep/storage/postgres/leader_lock.h"
#include "simkeep/storage/postgres/limits.h"

namespace simkeep::storage::postgres {
namespace {

using std::chrono::milliseconds;

std::string ServerConninfo() {
  const char* conninfo = std::getenv("SIMKEEP_TEST_PG_URI");
  return conninfo != nullptr ? conninfo : "";
}

// Never skips: a lock that was not tested must not look as if it passed.
::testing::AssertionResult HaveServer() {
  if (!ServerConninfo().empty()) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "SIMKEEP_TEST_PG_URI is not set: run `ctest -L postgres`, or "
            "`scripts/with_postgres.sh <test binary>`.";
}

// The value of `keyword` as libpq parses it out of `conninfo`; "" when not named.
std::string OptionOf(const std::string& conninfo, std::string_view keyword) {
  char* raw_error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(conninfo.c_str(), &raw_error), &PQconninfoFree);
  std::unique_ptr<char, decltype(&PQfreemem)> error(raw_error, &PQfreemem);
  for (const PQconninfoOption* option = options.get(); option != nullptr && option->keyword;
       ++option) {
    if (option->val != nullptr && keyword == option->keyword) {
      return option->val;
    }
  }
  return "";
}

// A plain libpq connection of the test itself, to look at (and end) the locks' sessions.
class Observer {
 public:
  Observer() : connection_(PQconnectdb(ServerConninfo().c_str()), &PQfinish) {}
  bool ok() const { return PQstatus(connection_.get()) == CONNECTION_OK; }

  // The single value `sql` answers, "" when it answers no row.
  std::string Value(const std::string& sql) {
    std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(connection_.get(), sql.c_str()),
                                                         &PQclear);
    EXPECT_EQ(PQresultStatus(result.get()), PGRES_TUPLES_OK)
        << sql << ": " << PQerrorMessage(connection_.get());
    return PQntuples(result.get()) > 0 ? PQgetvalue(result.get(), 0, 0) : "";
  }

  // The backend process holding the leader lock, as an operator finds it; 0 when none does.
  int HolderPid() {
    const std::string pid =
        Value("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = " +
              std::to_string(kLeaderLockClassId) +
              " AND objid = " + std::to_string(kLeaderLockObjId) + " AND objsubid = 1");
    return pid.empty() ? 0 : std::stoi(pid);
  }

  void Terminate(int pid) {
    EXPECT_EQ(Value("SELECT pg_terminate_backend(" + std::to_string(pid) + ")"), "t");
  }

 private:
  std::unique_ptr<PGconn, decltype(&PQfinish)> connection_;
};

template <typename Condition>
bool Eventually(Condition condition, milliseconds limit = milliseconds(15'000)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) {
      return true;
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  return condition();
}

std::unique_ptr<PostgresLeaderLock> NewLock() {
  Result<std::unique_ptr<PostgresLeaderLock>> lock = PostgresLeaderLock::Create(ServerConninfo());
  EXPECT_TRUE(lock.has_value());
  return lock ? std::move(*lock) : nullptr;
}

TEST(LeaderConnectionStringTest, AddsKeepalivesAndDeadlinesUnlessNamed) {
  Result<std::string> rewritten = LeaderConnectionString(
      "postgresql://simkeep:p%27a%5Cs@db1:5432,db2:5433/billing?target_session_attrs=read-write"
      "&keepalives_idle=30");
  ASSERT_TRUE(rewritten.has_value());
  EXPECT_EQ(OptionOf(*rewritten, "host"), "db1,db2");
  EXPECT_EQ(OptionOf(*rewritten, "port"), "5432,5433");
  EXPECT_EQ(OptionOf(*rewritten, "dbname"), "billing");
  EXPECT_EQ(OptionOf(*rewritten, "password"), "p'a\\s");  // Quoted and read back unchanged.
  EXPECT_EQ(OptionOf(*rewritten, "target_session_attrs"), "read-write");
  EXPECT_EQ(OptionOf(*rewritten, "keepalives_idle"), "30");  // Named: kept.
  EXPECT_EQ(OptionOf(*rewritten, "keepalives"), "1");
  EXPECT_EQ(OptionOf(*rewritten, "keepalives_interval"),
            std::to_string(kLeaderClientKeepaliveIntervalSeconds));
  EXPECT_EQ(OptionOf(*rewritten, "tcp_user_timeout"),
            std::to_string(kLeaderClientTcpUserTimeoutMs));
  EXPECT_EQ(OptionOf(*rewritten, "connect_timeout"), std::to_string(kLeaderConnectTimeoutSeconds));
  EXPECT_EQ(OptionOf(*rewritten, "application_name"), "simkeep-leader");

  Result<std::string> keyword_form = LeaderConnectionString("host=db1 application_name=ops");
  ASSERT_TRUE(keyword_form.has_value());
  EXPECT_EQ(OptionOf(*keyword_form, "application_name"), "ops");
}

TEST(LeaderConnectionStringTest, RefusesWhatLibpqCannotParseWithoutQuotingIt) {
  Result<std::string> rewritten = LeaderConnectionString("host=db password='secret-word");
  ASSERT_FALSE(rewritten.has_value());
  EXPECT_EQ(rewritten.error().reason, "database_url_invalid");
  EXPECT_EQ(rewritten.error().message.find("secret-word"), std::string::npos);
}

TEST(PostgresLeaderLockTest, OneOfTwoLocksLeadsUntilItReleases) {
  ASSERT_TRUE(HaveServer());
  std::unique_ptr<PostgresLeaderLock> first = NewLock();
  std::unique_ptr<PostgresLeaderLock> second = NewLock();
  Result<bool> first_acquired = first->TryAcquire();
  ASSERT_TRUE(first_acquired.has_value()) << first_acquired.error().message;
  EXPECT_TRUE(*first_acquired);
  Result<bool> second_acquired = second->TryAcquire();
  ASSERT_TRUE(second_acquired.has_value()) << second_acquired.error().message;
  EXPECT_FALSE(*second_acquired);
  Result<void> held = first->CheckHeld();
  EXPECT_TRUE(held.has_value()) << held.error().message;
  EXPECT_TRUE(*first->TryAcquire());  // Still held; not taken a second time.

  Observer observer;
  ASSERT_TRUE(observer.ok());
  EXPECT_NE(observer.HolderPid(), 0);
  EXPECT_EQ(observer.Value("SELECT application_name FROM pg_stat_activity WHERE pid = " +
                           std::to_string(observer.HolderPid())),
            "simkeep-leader");

  first->Release();
  EXPECT_EQ(observer.HolderPid(), 0);  // Unlocked before Release returned.
  second_acquired = second->TryAcquire();
  ASSERT_TRUE(second_acquired.has_value());
  EXPECT_TRUE(*second_acquired);
  EXPECT_FALSE(*first->TryAcquire());
}

TEST(PostgresLeaderLockTest, AnEndedSessionLosesTheLockAndAnotherTakesOver) {
  ASSERT_TRUE(HaveServer());
  std::unique_ptr<PostgresLeaderLock> first = NewLock();
  std::unique_ptr<PostgresLeaderLock> second = NewLock();
  ASSERT_TRUE(*first->TryAcquire());
  Observer observer;
  ASSERT_TRUE(observer.ok());
  observer.Terminate(observer.HolderPid());

  Result<void> held = first->CheckHeld();
  ASSERT_FALSE(held.has_value());
  EXPECT_EQ(held.error().reason, "leader_lost");
  first->Release();
  EXPECT_TRUE(Eventually([&] {
    Result<bool> acquired = second->TryAcquire();
    return acquired.has_value() && *acquired;
  }));
  // The first lock reconnects by itself and follows.
  Result<bool> again = first->TryAcquire();
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_FALSE(*again);
}

// Continues a stopped process however the test ends, so the server can shut down.
class StoppedProcess {
 public:
  explicit StoppedProcess(int pid) : pid_(pid) { EXPECT_EQ(kill(pid_, SIGSTOP), 0); }
  ~StoppedProcess() { Continue(); }
  void Continue() {
    if (pid_ != 0) {
      kill(pid_, SIGCONT);
      pid_ = 0;
    }
  }

 private:
  int pid_;
};

TEST(PostgresLeaderLockTest, ALeaderCutOffFromTheServerStepsDownBeforeTheLockIsFreed) {
  ASSERT_TRUE(HaveServer());
  std::unique_ptr<PostgresLeaderLock> first = NewLock();
  std::unique_ptr<PostgresLeaderLock> second = NewLock();
  ASSERT_TRUE(*first->TryAcquire());
  Observer observer;
  ASSERT_TRUE(observer.ok());
  const int holder = observer.HolderPid();
  ASSERT_NE(holder, 0);
  StoppedProcess frozen(holder);  // Its session neither answers nor ends.

  Result<void> held = first->CheckHeld();  // Ends by its deadline.
  ASSERT_FALSE(held.has_value());
  EXPECT_EQ(held.error().reason, "leader_lost");
  // The leader has stepped down, and the server still keeps the lock: no second leader.
  Result<bool> taken = second->TryAcquire();
  ASSERT_TRUE(taken.has_value()) << taken.error().message;
  EXPECT_FALSE(*taken);

  first->Release();  // Shuts the socket down; the session ends once its process runs again.
  frozen.Continue();
  EXPECT_TRUE(Eventually([&] {
    Result<bool> acquired = second->TryAcquire();
    return acquired.has_value() && *acquired;
  }));
}

TEST(PostgresLeaderLockTest, LoopsElectOneLeaderAndTheOtherTakesOverWhenItsSessionDies) {
  ASSERT_TRUE(HaveServer());
  std::unique_ptr<PostgresLeaderLock> first_lock = NewLock();
  std::unique_ptr<PostgresLeaderLock> second_lock = NewLock();
  app::LeaderLoop first(*first_lock, {});
  app::LeaderLoop second(*second_lock, {});
  first.Start();
  second.Start();
  ASSERT_TRUE(Eventually([&] { return first.IsLeader() || second.IsLeader(); }));
  std::this_thread::sleep_for(milliseconds(2 * kLeaderTryIntervalMs));  // Both have tried.
  ASSERT_NE(first.IsLeader(), second.IsLeader());
  app::LeaderLoop& leader = first.IsLeader() ? first : second;
  app::LeaderLoop& follower = first.IsLeader() ? second : first;

  Observer observer;
  ASSERT_TRUE(observer.ok());
  observer.Terminate(observer.HolderPid());  // As if the leader's connection was cut.
  EXPECT_TRUE(Eventually([&] { return follower.IsLeader(); }));
  EXPECT_FALSE(leader.IsLeader());
  EXPECT_EQ(follower.Status().term, 1);
  first.Stop();
  second.Stop();
  EXPECT_EQ(observer.HolderPid(), 0);
}

}  // namespace
}  // namespace simkeep::storage::postgres
