// The committer on a real SQLite database: one rejected command leaves its batch-mates intact,
// outcomes are reported only after commit, and Stop() answers every queued command.

#include "simkeep/app/committer.h"

#include <atomic>
#include <filesystem>
#include <future>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "simkeep/ledger/account.h"
#include "simkeep/storage/sqlite/sqlite_database.h"

namespace simkeep::app {
namespace {

class CommitterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("simkeep-committer-" + std::to_string(getpid()) + ".db"))
                .string();
    auto opened = storage::sqlite::SqliteDatabase::Open(path_);
    ASSERT_TRUE(opened) << opened.error().message;
    database_ = std::move(*opened);
    ASSERT_TRUE(database_->Migrate());
  }
  void TearDown() override {
    database_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(path_ + suffix);
    }
  }

  Committer::Apply InsertAccount(const std::string& id) {
    return [id](Transaction& transaction) {
      return transaction.InsertAccount(
          ledger::MakeAccount(AccountId{id}, ledger::AccountKind::kRevenue));
    };
  }

  bool AccountExists(const std::string& id) {
    auto session = database_->Connect();
    EXPECT_TRUE(session);
    EXPECT_TRUE((*session)->Begin(true));
    auto found = (*session)->transaction().FindAccount(AccountId{id});
    EXPECT_TRUE((*session)->Rollback());
    return found && found->has_value();
  }

  std::string path_;
  std::unique_ptr<storage::sqlite::SqliteDatabase> database_;
};

TEST_F(CommitterTest, ARejectedCommandDoesNotSpoilItsBatch) {
  Committer committer(*database_, 64);
  ASSERT_TRUE(committer.Start());
  std::vector<std::future<Result<void>>> outcomes;
  std::vector<std::shared_ptr<std::promise<Result<void>>>> promises;
  for (int i = 0; i < 40; ++i) {
    auto promise = std::make_shared<std::promise<Result<void>>>();
    outcomes.push_back(promise->get_future());
    Committer::Apply apply;
    if (i % 4 == 3) {
      // Writes, then fails: its write must be rolled back, the others' must stay.
      apply = [i, insert = InsertAccount("half-" + std::to_string(i))](Transaction& t) {
        Result<void> written = insert(t);
        EXPECT_TRUE(written) << i;
        return Result<void>(FailedPrecondition("refused", "test refusal"));
      };
    } else {
      apply = InsertAccount("ok-" + std::to_string(i));
    }
    committer.Submit(std::move(apply),
                     [promise](Result<void> outcome) { promise->set_value(outcome); });
  }
  for (int i = 0; i < 40; ++i) {
    Result<void> outcome = outcomes[static_cast<size_t>(i)].get();
    if (i % 4 == 3) {
      ASSERT_FALSE(outcome);
      EXPECT_EQ(outcome.error().reason, "refused");
      EXPECT_FALSE(AccountExists("half-" + std::to_string(i)));
    } else {
      EXPECT_TRUE(outcome) << i;
      EXPECT_TRUE(AccountExists("ok-" + std::to_string(i)));
    }
  }
  const CommitterStats stats = committer.stats();
  EXPECT_EQ(stats.commands, 40U);
  EXPECT_EQ(stats.rejected, 10U);
  EXPECT_GE(stats.batches, 1U);
}

TEST_F(CommitterTest, AThrowingCommandIsRefusedNotFatal) {
  Committer committer(*database_, 64);
  ASSERT_TRUE(committer.Start());
  Result<void> thrown =
      committer.RunAndWait([](Transaction&) -> Result<void> { throw std::runtime_error("boom"); });
  ASSERT_FALSE(thrown);
  EXPECT_EQ(thrown.error().code, ErrorCode::kInternal);
  EXPECT_TRUE(committer.RunAndWait(InsertAccount("after")));
  EXPECT_TRUE(AccountExists("after"));
}

TEST_F(CommitterTest, DuplicateKeysAreRefusedByTheDatabase) {
  Committer committer(*database_, 64);
  ASSERT_TRUE(committer.Start());
  EXPECT_TRUE(committer.RunAndWait(InsertAccount("dup")));
  Result<void> again = committer.RunAndWait(InsertAccount("dup"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
}

TEST_F(CommitterTest, StopAnswersEveryQueuedCommandAndRefusesNewOnes) {
  Committer committer(*database_, 8);
  ASSERT_TRUE(committer.Start());
  std::atomic<int> answered{0};
  for (int i = 0; i < 100; ++i) {
    committer.Submit(InsertAccount("q-" + std::to_string(i)), [&answered](Result<void> outcome) {
      EXPECT_TRUE(outcome);
      answered.fetch_add(1);
    });
  }
  committer.Stop();
  EXPECT_EQ(answered.load(), 100);
  Result<void> late = committer.RunAndWait(InsertAccount("late"));
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().reason, "shutting_down");
}

}  // namespace
}  // namespace simkeep::app
