#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include "simkeep/storage/reservation_contract_test.h"
#include "simkeep/storage/sqlite/internal/connection.h"
#include "simkeep/storage/sqlite/limits.h"
#include "simkeep/storage/sqlite/sqlite_database.h"
#include "simkeep/storage/sqlite/sqlite_session.h"
#include "simkeep/storage/store_contract_test.h"

namespace simkeep::storage::sqlite {
namespace {

using storage::testing::IsError;
using storage::testing::IsOk;

// A unique, initially empty file under /tmp, removed with its WAL and shared-memory files when
// the object is destroyed.
class TempDatabaseFile {
 public:
  TempDatabaseFile() {
    char pattern[] = "/tmp/simkeep_store_test_XXXXXX";
    const int fd = mkstemp(pattern);
    EXPECT_GE(fd, 0);
    if (fd >= 0) {
      close(fd);
    }
    path_ = pattern;
  }
  TempDatabaseFile(const TempDatabaseFile&) = delete;
  TempDatabaseFile& operator=(const TempDatabaseFile&) = delete;
  ~TempDatabaseFile() {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::remove((path_ + suffix).c_str());
    }
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::unique_ptr<app::Database> OpenOrNull(const std::string& path) {
  Result<std::unique_ptr<SqliteDatabase>> database = SqliteDatabase::Open(path);
  EXPECT_TRUE(IsOk(database));
  if (!database) {
    return nullptr;
  }
  return std::move(*database);
}

storage::testing::StoreContractBackend SqliteBackend() {
  storage::testing::StoreContractBackend backend;
  backend.name = "Sqlite";
  backend.make_empty_store = []() -> storage::testing::DatabaseFactory {
    // Shared by every copy of the factory; the file goes when the last copy does.
    auto file = std::make_shared<TempDatabaseFile>();
    return [file]() { return OpenOrNull(file->path()); };
  };
  backend.execute_sql = [](app::Session& session, std::string_view sql) {
    return static_cast<SqliteSession&>(session).ExecuteForTest(sql);
  };
  return backend;
}

}  // namespace
}  // namespace simkeep::storage::sqlite

namespace simkeep::storage::testing {

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContractTest,
                         ::testing::Values(simkeep::storage::sqlite::SqliteBackend()), BackendName);

}  // namespace simkeep::storage::testing

// What only the SQLite adapter does. ----------------------------------------------------------

namespace simkeep::storage::sqlite {
namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<SqliteDatabase>> database = SqliteDatabase::Open(file_.path());
    ASSERT_TRUE(IsOk(database));
    database_ = std::move(*database);
    ASSERT_TRUE(IsOk(database_->Migrate()));
    Result<std::unique_ptr<app::Session>> session = database_->Connect();
    ASSERT_TRUE(IsOk(session));
    session_ = std::move(*session);
  }

  SqliteSession& sqlite_session() { return static_cast<SqliteSession&>(*session_); }

  TempDatabaseFile file_;
  std::unique_ptr<SqliteDatabase> database_;
  std::unique_ptr<app::Session> session_;
};

// Reads the first column of the first row of `sql` as text.
std::string QueryText(internal::Connection& connection, const char* sql) {
  Result<internal::Statement> statement = connection.Prepare(sql);
  EXPECT_TRUE(IsOk(statement));
  if (!statement) {
    return "";
  }
  Result<bool> row = statement->Step();
  EXPECT_TRUE(IsOk(row));
  return row && *row ? statement->ReadText() : "";
}

TEST(SqliteDatabaseTest, RefusesAnInMemoryOrEmptyPath) {
  EXPECT_TRUE(IsError(SqliteDatabase::Open(":memory:"), ErrorCode::kInvalidArgument,
                      "database_path_invalid"));
  EXPECT_TRUE(
      IsError(SqliteDatabase::Open(""), ErrorCode::kInvalidArgument, "database_path_invalid"));
}

TEST(SqliteDatabaseTest, AnUnopenablePathIsUnavailable) {
  EXPECT_TRUE(IsError(SqliteDatabase::Open("/nonexistent-directory/simkeep.db"),
                      ErrorCode::kUnavailable, "db_unavailable"));
}

TEST(SqliteDatabaseTest, CarriesTheEmbeddedMigrations) {
  const std::span<const Migration> migrations = SqliteDatabase::Migrations();
  ASSERT_FALSE(migrations.empty());
  EXPECT_EQ(migrations[0].version, 1);
  EXPECT_EQ(migrations[0].name, "init");
  EXPECT_NE(migrations[0].common_sql.find("CREATE TABLE lines"), std::string_view::npos);
  EXPECT_NE(migrations[0].dialect_sql.find("CREATE TRIGGER"), std::string_view::npos);
  for (size_t i = 1; i < migrations.size(); ++i) {
    EXPECT_GT(migrations[i].version, migrations[i - 1].version);
  }
}

TEST(SqliteConnectionTest, UsesWalFullSyncAndForeignKeys) {
  TempDatabaseFile file;
  ASSERT_TRUE(IsOk(SqliteDatabase::Open(file.path())));
  Result<std::unique_ptr<internal::Connection>> connection =
      internal::Connection::Open(file.path(), nullptr);
  ASSERT_TRUE(IsOk(connection));
  EXPECT_EQ(QueryText(**connection, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(QueryText(**connection, "PRAGMA synchronous"), "2");  // FULL
  EXPECT_EQ(QueryText(**connection, "PRAGMA foreign_keys"), "1");
}

TEST(SqliteConnectionTest, NamesTheReasonOfEveryUniqueKeyClash) {
  EXPECT_EQ(internal::UniqueClashReason("UNIQUE constraint failed: lines.iccid"), "iccid_taken");
  EXPECT_EQ(internal::UniqueClashReason("x: UNIQUE constraint failed: idempotency_keys.principal, "
                                        "idempotency_keys.key_value"),
            "idempotency_key_exists");
  EXPECT_EQ(internal::UniqueClashReason("UNIQUE constraint failed: sequences.name"),
            "duplicate_key");
  EXPECT_EQ(internal::UniqueClashReason("something else"), "duplicate_key");
}

TEST(SqliteConnectionTest, MapsResultCodesToTheErrorConventions) {
  EXPECT_EQ(internal::ErrorFromSqlite(nullptr, SQLITE_BUSY, "x").reason, "db_unavailable");
  EXPECT_EQ(internal::ErrorFromSqlite(nullptr, SQLITE_IOERR_FSYNC, "x").code,
            ErrorCode::kUnavailable);
  EXPECT_EQ(internal::ErrorFromSqlite(nullptr, SQLITE_FULL, "x").code, ErrorCode::kUnavailable);
  EXPECT_EQ(internal::ErrorFromSqlite(nullptr, SQLITE_CONSTRAINT_CHECK, "x").reason,
            "constraint_violation");
  EXPECT_EQ(internal::ErrorFromSqlite(nullptr, SQLITE_ERROR, "x").code, ErrorCode::kInternal);
}

TEST_F(SqliteStoreTest, RefusesASchemaNewerThanTheBuild) {
  ASSERT_TRUE(IsOk(sqlite_session().ExecuteForTest(
      "INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)")));
  EXPECT_TRUE(IsError(database_->Migrate(), ErrorCode::kFailedPrecondition, "schema_too_new"));
}

TEST_F(SqliteStoreTest, ReadOnlyOpenReadsButNeverWritesOrMigrates) {
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  ASSERT_TRUE(IsOk(session_->transaction().InsertAccount(
      storage::testing::SampleAccount("ac_wallet", ledger::AccountKind::kCustomerWallet))));
  ASSERT_TRUE(IsOk(session_->Commit()));
  Result<std::unique_ptr<SqliteDatabase>> reader = SqliteDatabase::OpenReadOnly(file_.path());
  ASSERT_TRUE(IsOk(reader));
  Result<int64_t> version = (*reader)->SchemaVersion();
  ASSERT_TRUE(IsOk(version));
  EXPECT_EQ(*version, (*reader)->SchemaVersionLatest());
  EXPECT_TRUE(IsError((*reader)->Migrate(), ErrorCode::kFailedPrecondition, "database_read_only"));
  Result<std::unique_ptr<app::Session>> session = (*reader)->Connect();
  ASSERT_TRUE(IsOk(session));
  ASSERT_TRUE(IsOk((*session)->Begin(true)));
  Result<std::optional<ledger::Account>> account =
      (*session)->transaction().FindAccount(AccountId{"ac_wallet"});
  ASSERT_TRUE(IsOk(account));
  EXPECT_TRUE(account->has_value());
  ASSERT_TRUE(IsOk((*session)->Rollback()));
  // A write transaction may begin (SQLite takes no lock before the first write), but the first
  // write is refused.
  ASSERT_TRUE(IsOk((*session)->Begin(false)));
  EXPECT_TRUE(IsError((*session)->transaction().InsertAccount(storage::testing::SampleAccount(
                          "ac_revenue", ledger::AccountKind::kRevenue)),
                      ErrorCode::kUnavailable, "db_unavailable"));
  ASSERT_TRUE(IsOk((*session)->Rollback()));
}

TEST(SqliteReadOnlyTest, OpensNoMissingFileAndCreatesNothing) {
  const std::string path = "/tmp/simkeep_store_test_missing_" + std::to_string(getpid()) + ".db";
  EXPECT_TRUE(
      IsError(SqliteDatabase::OpenReadOnly(path), ErrorCode::kUnavailable, "db_unavailable"));
  for (const char* suffix : {"", "-wal", "-shm"}) {
    EXPECT_FALSE(std::filesystem::exists(path + suffix)) << suffix;
  }
}

TEST(SqliteReadOnlyTest, AnEmptyFileHasSchemaVersionZeroAndStaysEmpty) {
  TempDatabaseFile file;  // Zero bytes: an empty SQLite database.
  Result<std::unique_ptr<SqliteDatabase>> reader = SqliteDatabase::OpenReadOnly(file.path());
  ASSERT_TRUE(IsOk(reader));
  Result<int64_t> version = (*reader)->SchemaVersion();
  ASSERT_TRUE(IsOk(version));
  EXPECT_EQ(*version, 0);
  reader->reset();
  EXPECT_EQ(std::filesystem::file_size(file.path()), 0u);
}

TEST_F(SqliteStoreTest, TransactionOperationsOutsideATransactionChangeNothing) {
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  app::Transaction& transaction = session_->transaction();
  ASSERT_TRUE(IsOk(session_->Commit()));
  EXPECT_TRUE(
      IsError(transaction.NextSequenceValue("receipt"), ErrorCode::kUnavailable, "db_unavailable"));
  EXPECT_TRUE(IsError(transaction.SaveCatalog(storage::testing::SampleCatalog()),
                      ErrorCode::kUnavailable, "db_unavailable"));
  ASSERT_TRUE(IsOk(session_->Begin(true)));
  Result<domain::Catalog> catalog = session_->transaction().LoadCatalog();
  ASSERT_TRUE(IsOk(catalog));
  EXPECT_TRUE(catalog->carriers.empty());
  ASSERT_TRUE(IsOk(session_->Rollback()));
}

TEST_F(SqliteStoreTest, MisusedSessionCallsAreErrorsNotCrashes) {
  EXPECT_TRUE(IsError(session_->Commit(), ErrorCode::kInternal, "internal"));
  EXPECT_TRUE(IsError(session_->Savepoint(), ErrorCode::kInternal, "internal"));
  EXPECT_TRUE(IsOk(session_->Rollback()));
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  EXPECT_TRUE(IsError(session_->Begin(false), ErrorCode::kInternal, "internal"));
  EXPECT_TRUE(IsError(session_->ReleaseSavepoint(), ErrorCode::kInternal, "internal"));
  ASSERT_TRUE(IsOk(session_->Rollback()));
}

TEST_F(SqliteStoreTest, SavepointsNestOnlyToTheirLimit) {
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  for (int depth = 0; depth < kSavepointDepthMax; ++depth) {
    ASSERT_TRUE(IsOk(session_->Savepoint()));
  }
  EXPECT_TRUE(IsError(session_->Savepoint(), ErrorCode::kInternal, "internal"));
  ASSERT_TRUE(IsOk(session_->Rollback()));
}

TEST_F(SqliteStoreTest, AStatementMayBeUsedAgainWhileItIsStillStepping) {
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  app::Transaction& transaction = session_->transaction();
  ASSERT_TRUE(IsOk(transaction.SaveCatalog(storage::testing::SampleCatalog())));
  for (const char* id : {"ac_1", "ac_2"}) {
    ASSERT_TRUE(IsOk(transaction.InsertAccount(
        ledger::MakeAccount(AccountId{id}, ledger::AccountKind::kRevenue))));
  }
  int inner_calls = 0;
  ASSERT_TRUE(IsOk(transaction.ForEachAccount([&](const ledger::Account&) {
    return transaction.ForEachAccount([&](const ledger::Account&) {
      ++inner_calls;
      return Ok();
    });
  })));
  EXPECT_EQ(inner_calls, 4);
  ASSERT_TRUE(IsOk(session_->Rollback()));
}

TEST_F(SqliteStoreTest, ConcurrentWritersWaitForEachOtherAndLoseNothing) {
  constexpr int kThreads = 4;
  constexpr int kCommitsPerThread = 25;
  std::vector<std::vector<int64_t>> values(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t]() {
      Result<std::unique_ptr<app::Session>> session = database_->Connect();
      ASSERT_TRUE(IsOk(session));
      for (int i = 0; i < kCommitsPerThread; ++i) {
        ASSERT_TRUE(IsOk((*session)->Begin(false)));
        Result<int64_t> value = (*session)->transaction().NextSequenceValue("receipt");
        ASSERT_TRUE(IsOk(value));
        ASSERT_TRUE(IsOk((*session)->Commit()));
        values[static_cast<size_t>(t)].push_back(*value);
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  std::vector<int64_t> all;
  for (const std::vector<int64_t>& part : values) {
    all.insert(all.end(), part.begin(), part.end());
  }
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kCommitsPerThread));
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i], static_cast<int64_t>(i + 1));
  }
}

TEST_F(SqliteStoreTest, AnAbandonedTransactionIsRolledBackWhenTheSessionCloses) {
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  ASSERT_TRUE(IsOk(session_->transaction().NextSequenceValue("receipt")));
  session_.reset();
  Result<std::unique_ptr<app::Session>> session = database_->Connect();
  ASSERT_TRUE(IsOk(session));
  ASSERT_TRUE(IsOk((*session)->Begin(false)));
  Result<int64_t> value = (*session)->transaction().NextSequenceValue("receipt");
  ASSERT_TRUE(IsOk(value));
  EXPECT_EQ(*value, 1);
  ASSERT_TRUE(IsOk((*session)->Rollback()));
}

// A writer that never pauses: the background checkpointer copies the log back into the database
// file, and the writer starts the log over once it is long, so the log stays bounded.
TEST_F(SqliteStoreTest, TheLogStaysBoundedUnderAWriterThatNeverPauses) {
  constexpr int64_t kPageBytes = 4096;
  // About 200 pages each: 25,000 pages, two and a half times the restart bound.
  constexpr int kCommits = 125;
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  ASSERT_TRUE(IsOk(sqlite_session().ExecuteForTest("CREATE TABLE filler (body BLOB)")));
  ASSERT_TRUE(IsOk(session_->Commit()));
  int64_t log_bytes_max = 0;
  for (int i = 0; i < kCommits; ++i) {
    ASSERT_TRUE(IsOk(session_->Begin(false)));
    ASSERT_TRUE(IsOk(
        sqlite_session().ExecuteForTest("INSERT INTO filler (body) VALUES (randomblob(800000))")));
    ASSERT_TRUE(IsOk(session_->Commit()));
    std::error_code error;
    const auto log_bytes = std::filesystem::file_size(file_.path() + "-wal", error);
    ASSERT_FALSE(error) << error.message();
    log_bytes_max = std::max(log_bytes_max, static_cast<int64_t>(log_bytes));
  }
  // A log frame is a page plus a 24-byte header. A restart can be refused while the background
  // checkpointer is copying (it is retried after the next commit), so the log may pass the
  // bound by a few commits; without restarts it would hold all 25,000 pages.
  EXPECT_LE(log_bytes_max, kCheckpointRestartLogPages * 3 / 2 * (kPageBytes + 24));
  // Everything written before the restart was copied into the database file.
  EXPECT_GE(static_cast<int64_t>(std::filesystem::file_size(file_.path())),
            kCheckpointRestartLogPages * kPageBytes);
}

}  // namespace
}  // namespace simkeep::storage::sqlite
