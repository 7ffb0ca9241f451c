#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <latch>
#include <memory>
#include <ostream>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include "simkeep/storage/postgres/internal/connection.h"
#include "simkeep/storage/postgres/limits.h"
#include "simkeep/storage/postgres/postgres_database.h"
#include "simkeep/storage/postgres/postgres_session.h"
#include "simkeep/storage/reservation_contract_test.h"
#include "simkeep/storage/store_contract_test.h"

namespace simkeep::storage::postgres {
namespace {

using storage::testing::At;
using storage::testing::IsError;
using storage::testing::IsOk;
using storage::testing::SampleAccount;
using storage::testing::SampleCatalog;
using storage::testing::SampleLine;
using storage::testing::SampleOrder;
using storage::testing::SamplePayment;

// The server the tests run on, from SIMKEEP_TEST_PG_URI: a connection string whose user may
// create databases. Empty when the variable is not set.
std::string ServerConninfo() {
  const char* conninfo = std::getenv("SIMKEEP_TEST_PG_URI");
  return conninfo != nullptr ? conninfo : "";
}

// Fails, saying what to do, when there is no server to test on. These tests never skip: a
// PostgreSQL adapter that was not tested must not look as if it passed.
::testing::AssertionResult HaveServer() {
  if (!ServerConninfo().empty()) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "SIMKEEP_TEST_PG_URI is not set. The PostgreSQL adapter's tests need a server on "
            "which they may create databases: run them with `ctest -L postgres` (which starts "
            "a throw-away server through scripts/with_postgres.sh), or as "
            "`scripts/with_postgres.sh <test binary>`, or set SIMKEEP_TEST_PG_URI to e.g. "
            "postgresql://postgres@127.0.0.1:5432/postgres.";
}

// The options libpq parses out of `conninfo`, with their values; empty when it cannot.
std::vector<std::pair<std::string, std::string>> ParseConninfo(const std::string& conninfo) {
  char* raw_error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(conninfo.c_str(), &raw_error), &PQconninfoFree);
  std::unique_ptr<char, decltype(&PQfreemem)> error(raw_error, &PQfreemem);
  std::vector<std::pair<std::string, std::string>> parsed;
  for (const PQconninfoOption* option = options.get(); option != nullptr && option->keyword;
       ++option) {
    if (option->val != nullptr) {
      parsed.emplace_back(option->keyword, option->val);
    }
  }
  return parsed;
}

std::string OptionOf(const std::string& conninfo, std::string_view keyword) {
  for (const auto& [key, value] : ParseConninfo(conninfo)) {
    if (key == keyword) {
      return value;
    }
  }
  return "";
}

// `conninfo` in key='value' form, naming `database` instead of its own.
std::string WithDatabase(const std::string& conninfo, const std::string& database) {
  std::string result;
  auto append = [&result](std::string_view key, std::string_view value) {
    result += key;
    result += "='";
    for (char c : value) {
      if (c == '\\' || c == '\'') {
        result += '\\';
      }
      result += c;
    }
    result += "' ";
  };
  for (const auto& [key, value] : ParseConninfo(conninfo)) {
    if (key != "dbname") {
      append(key, value);
    }
  }
  append("dbname", database);
  return result;
}

// Runs `sql` on a new connection with `conninfo` and returns the first column of its first row
// ("" when there is none).
Result<std::string> QueryText(const std::string& conninfo, const char* sql) {
  Result<std::unique_ptr<internal::Connection>> connection = internal::Connection::Open(conninfo);
  if (!connection) {
    return connection.error();
  }
  Result<internal::Statement> statement = (*connection)->Prepare(sql);
  if (!statement) {
    return statement.error();
  }
  Result<bool> row = statement->Step();
  if (!row) {
    return row.error();
  }
  return *row ? statement->ReadText() : std::string();
}

// A new, empty database simkeep_test_<random> on the test server, dropped (with any connection
// still open to it) when the object is destroyed.
class TestDatabase {
 public:
  TestDatabase() {
    // Random, so that test processes sharing one server never pick the same name.
    std::random_device random;
    const uint64_t value = (static_cast<uint64_t>(random()) << 32) ^ random();
    constexpr std::string_view kHex = "0123456789abcdef";
    name_ = "simkeep_test_";
    for (int shift = 60; shift >= 0; shift -= 4) {
      name_ += kHex[(value >> shift) & 0xF];
    }
    EXPECT_TRUE(HaveServer());
    if (ServerConninfo().empty()) {
      return;
    }
    created_ = IsOk(OnServer("CREATE DATABASE " + name_));
    EXPECT_TRUE(created_) << "cannot create " << name_;
    conninfo_ = WithDatabase(ServerConninfo(), name_);
  }
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;
  ~TestDatabase() {
    if (created_) {
      EXPECT_TRUE(IsOk(OnServer("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)")));
    }
  }

  // Empty when the database could not be created.
  const std::string& conninfo() const { return conninfo_; }

 private:
  static Result<void> OnServer(const std::string& sql) {
    Result<std::unique_ptr<internal::Connection>> connection =
        internal::Connection::Open(ServerConninfo());
    if (!connection) {
      return connection.error();
    }
    return (*connection)->Execute(sql.c_str());
  }

  std::string name_;
  std::string conninfo_;
  bool created_ = false;
};

std::unique_ptr<app::Database> OpenOrNull(const std::string& conninfo) {
  if (conninfo.empty()) {
    return nullptr;  // TestDatabase has reported why.
  }
  Result<std::unique_ptr<PostgresDatabase>> database = PostgresDatabase::Open(conninfo);
  EXPECT_TRUE(IsOk(database));
  if (!database) {
    return nullptr;
  }
  return std::move(*database);
}

storage::testing::StoreContractBackend PostgresBackend() {
  storage::testing::StoreContractBackend backend;
  backend.name = "Postgres";
  backend.make_empty_store = []() -> storage::testing::DatabaseFactory {
    // Shared by every copy of the factory; the database goes when the last copy does.
    auto database = std::make_shared<TestDatabase>();
    return [database]() { return OpenOrNull(database->conninfo()); };
  };
  backend.execute_sql = [](app::Session& session, std::string_view sql) {
    return static_cast<PostgresSession&>(session).ExecuteForTest(sql);
  };
  return backend;
}

}  // namespace
}  // namespace simkeep::storage::postgres

namespace simkeep::storage::testing {

// Names the backend in failure messages instead of dumping its bytes.
void PrintTo(const StoreContractBackend& backend, std::ostream* out) { *out << backend.name; }

INSTANTIATE_TEST_SUITE_P(Postgres, StoreContractTest,
                         ::testing::Values(simkeep::storage::postgres::PostgresBackend()),
                         BackendName);

}  // namespace simkeep::storage::testing

// What only the PostgreSQL adapter does. ------------------------------------------------------

namespace simkeep::storage::postgres {
namespace {

// A migrated store with the sample catalog, three accounts, line ln_1001, order or_1 and its
// payment pa_1.
class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(HaveServer());
    ASSERT_FALSE(store_.conninfo().empty());
    Result<std::unique_ptr<PostgresDatabase>> database = PostgresDatabase::Open(store_.conninfo());
    ASSERT_TRUE(IsOk(database));
    database_ = std::move(*database);
    ASSERT_TRUE(IsOk(database_->Migrate()));
    session_ = Connect();
    ASSERT_NE(session_, nullptr);
    ASSERT_TRUE(IsOk(session_->Begin(false)));
    app::Transaction& transaction = session_->transaction();
    ASSERT_TRUE(IsOk(transaction.SaveCatalog(SampleCatalog())));
    for (const auto& [id, kind] : {std::pair{"ac_wallet", ledger::AccountKind::kCustomerWallet},
                                   std::pair{"ac_clearing", ledger::AccountKind::kProviderClearing},
                                   std::pair{"ac_revenue", ledger::AccountKind::kRevenue}}) {
      ASSERT_TRUE(IsOk(transaction.InsertAccount(SampleAccount(id, kind))));
    }
    ASSERT_TRUE(IsOk(transaction.InsertLine(SampleLine(1))));
    ASSERT_TRUE(IsOk(transaction.InsertOrder(SampleOrder("or_1", At(0)))));
    ASSERT_TRUE(IsOk(transaction.InsertPayment(SamplePayment("pa_1", "or_1", At(0)))));
    ASSERT_TRUE(IsOk(session_->Commit()));
  }

  std::unique_ptr<app::Session> Connect() {
    Result<std::unique_ptr<app::Session>> session = database_->Connect();
    EXPECT_TRUE(IsOk(session));
    return session ? std::move(*session) : nullptr;
  }

  static PostgresSession& Postgres(app::Session& session) {
    return static_cast<PostgresSession&>(session);
  }

  // Runs `sql` on a connection of its own to the test database.
  Result<std::string> Query(const char* sql) { return QueryText(store_.conninfo(), sql); }

  // Ends the server process behind `session` and waits until it is gone.
  void TerminateBackend(app::Session& session) {
    const std::string sql = "SELECT pg_terminate_backend(" +
                            std::to_string(Postgres(session).BackendPidForTest()) + ", 5000)";
    Result<std::string> terminated = Query(sql.c_str());
    ASSERT_TRUE(IsOk(terminated));
    ASSERT_EQ(*terminated, "t");
  }

  Result<int64_t> CountLines(app::Session& session) {
    if (Result<void> begun = session.Begin(true); !begun) {
      return begun.error();
    }
    Result<int64_t> count = session.transaction().CountLines();
    static_cast<void>(session.Rollback());
    return count;
  }

  TestDatabase store_;
  std::unique_ptr<PostgresDatabase> database_;
  std::unique_ptr<app::Session> session_;
};

TEST(PostgresDatabaseTest, RefusesAnEmptyOrMalformedConnectionString) {
  EXPECT_TRUE(
      IsError(PostgresDatabase::Open(""), ErrorCode::kInvalidArgument, "database_url_invalid"));
  EXPECT_TRUE(IsError(PostgresDatabase::Open("postgresql://localhost/simkeep?no_such_option=1"),
                      ErrorCode::kInvalidArgument, "database_url_invalid"));
  EXPECT_TRUE(IsError(PostgresDatabase::Open("dbname='unterminated"), ErrorCode::kInvalidArgument,
                      "database_url_invalid"));
}

TEST(PostgresDatabaseTest, AnUnreachableServerIsUnavailable) {
  // Nothing listens on port 1 of the loopback interface: the connection is refused at once.
  EXPECT_TRUE(IsError(
      PostgresDatabase::Open("postgresql://postgres@127.0.0.1:1/postgres?connect_timeout=5"),
      ErrorCode::kUnavailable, "db_unavailable"));
}

TEST(PostgresDatabaseTest, NeverPutsThePasswordInAMessage) {
  Result<std::unique_ptr<PostgresDatabase>> database =
      PostgresDatabase::Open("postgresql://postgres:s3cr3t-pw@127.0.0.1:1/postgres");
  ASSERT_FALSE(database);
  EXPECT_EQ(database.error().message.find("s3cr3t-pw"), std::string::npos)
      << database.error().message;
}

TEST(PostgresDatabaseTest, CarriesTheEmbeddedMigrations) {
  const std::span<const Migration> migrations = PostgresDatabase::Migrations();
  ASSERT_FALSE(migrations.empty());
  EXPECT_EQ(migrations[0].version, 1);
  EXPECT_EQ(migrations[0].name, "init");
  EXPECT_NE(migrations[0].common_sql.find("CREATE TABLE lines"), std::string_view::npos);
  EXPECT_NE(migrations[0].dialect_sql.find("GENERATED ALWAYS AS IDENTITY"), std::string_view::npos);
  for (size_t i = 1; i < migrations.size(); ++i) {
    EXPECT_GT(migrations[i].version, migrations[i - 1].version);
  }
}

TEST(PostgresDatabaseTest, PassesAMultiHostUriToLibpqUnchanged) {
  ASSERT_TRUE(HaveServer());
  TestDatabase store;
  ASSERT_FALSE(store.conninfo().empty());
  // The first host refuses; with target_session_attrs=read-write libpq goes on to the second.
  const std::string host = OptionOf(ServerConninfo(), "host");
  const std::string port = OptionOf(ServerConninfo(), "port");
  ASSERT_FALSE(host.empty() || port.empty() || host.find_first_of("/,") != std::string::npos)
      << "this test needs SIMKEEP_TEST_PG_URI to name one TCP host and port";
  std::string uri = "postgresql://";
  if (const std::string user = OptionOf(ServerConninfo(), "user"); !user.empty()) {
    uri += user + "@";
  }
  uri += "127.0.0.1:1," + host + ":" + port + "/" + OptionOf(store.conninfo(), "dbname") +
         "?target_session_attrs=read-write&connect_timeout=5";
  Result<std::unique_ptr<PostgresDatabase>> database = PostgresDatabase::Open(uri);
  ASSERT_TRUE(IsOk(database));
  Result<int> migrated = (*database)->Migrate();
  ASSERT_TRUE(IsOk(migrated));
  EXPECT_GE(*migrated, 1);
  Result<std::unique_ptr<app::Session>> session = (*database)->Connect();
  ASSERT_TRUE(IsOk(session));
  ASSERT_TRUE(IsOk((*session)->Begin(false)));
  ASSERT_TRUE(IsOk((*session)->transaction().NextSequenceValue("receipt")));
  ASSERT_TRUE(IsOk((*session)->Commit()));
}

TEST(PostgresDatabaseTest, ConcurrentMigratorsApplyEachVersionOnce) {
  ASSERT_TRUE(HaveServer());
  TestDatabase store;
  ASSERT_FALSE(store.conninfo().empty());
  constexpr int kMigrators = 4;
  std::vector<Result<int>> results(kMigrators, Result<int>(0));
  std::latch ready(kMigrators);
  std::vector<std::thread> threads;
  threads.reserve(kMigrators);
  for (int i = 0; i < kMigrators; ++i) {
    threads.emplace_back([&, i]() {
      Result<std::unique_ptr<PostgresDatabase>> database = PostgresDatabase::Open(store.conninfo());
      ready.arrive_and_wait();  // Every migrator starts at the same moment.
      results[static_cast<size_t>(i)] = database ? (*database)->Migrate() : database.error();
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  int applied = 0;
  for (const Result<int>& result : results) {
    ASSERT_TRUE(IsOk(result));
    applied += *result;
  }
  const auto known = static_cast<int>(PostgresDatabase::Migrations().size());
  EXPECT_EQ(applied, known);
  Result<std::string> recorded = QueryText(store.conninfo(),
                                           "SELECT COUNT(*) || '/' || COUNT(DISTINCT version) "
                                           "FROM schema_migrations");
  ASSERT_TRUE(IsOk(recorded));
  EXPECT_EQ(*recorded, std::to_string(known) + "/" + std::to_string(known));
}

TEST(PostgresConnectionTest, MapsSqlStatesToTheErrorConventions) {
  auto map = [](std::string_view sqlstate, std::string_view constraint = "") {
    return internal::ErrorFromSqlState(sqlstate, constraint, "m");
  };
  EXPECT_EQ(map("23505", "lines_iccid_key").code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(map("23505", "lines_iccid_key").reason, "iccid_taken");
  EXPECT_EQ(map("23505", "ledger_transfers_pending_id_key").reason, "pending_transfer_settled");
  EXPECT_EQ(map("23505", "sequences_pkey").reason, "duplicate_key");
  for (std::string_view constraint_failure : {"23514", "23503", "23502", "23000", "22021"}) {
    const Error error = map(constraint_failure);
    EXPECT_EQ(error.code, ErrorCode::kFailedPrecondition) << constraint_failure;
    EXPECT_EQ(error.reason, "constraint_violation") << constraint_failure;
  }
  for (std::string_view lost :
       {"", "08006", "08001", "57P01", "53300", "53100", "40001", "40P01", "55P03", "25P02"}) {
    const Error error = map(lost);
    EXPECT_EQ(error.code, ErrorCode::kUnavailable) << lost;
    EXPECT_EQ(error.reason, "db_unavailable") << lost;
  }
  EXPECT_EQ(map("42601").code, ErrorCode::kInternal);  // A syntax error is a bug.
  EXPECT_EQ(map("42P01").code, ErrorCode::kInternal);
}

TEST_F(PostgresStoreTest, EveryUniqueKeyOfTheSchemaHasItsReason) {
  // The keys no caller can clash on through the port.
  const std::set<std::string> without_reason = {
      "carrier_bands_pkey",       "ledger_transfers_pkey",  "line_events_pkey", "plan_bundles_pkey",
      "plan_throttle_steps_pkey", "schema_migrations_pkey", "sequences_pkey"};
  // Primary and unique constraints, and unique indexes that back no constraint (partial ones).
  Result<std::string> names = Query(
      "SELECT string_agg(name, ',' ORDER BY name) FROM ("
      "SELECT conname AS name FROM pg_constraint "
      "WHERE contype IN ('p', 'u') AND connamespace = current_schema()::regnamespace "
      "UNION SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
      "WHERE i.indisunique AND c.relnamespace = current_schema()::regnamespace "
      "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)) n");
  ASSERT_TRUE(IsOk(names));
  std::set<std::string> in_schema;
  for (size_t start = 0; start <= names->size();) {
    const size_t end = std::min(names->find(',', start), names->size());
    in_schema.insert(names->substr(start, end - start));
    start = end + 1;
  }
  for (std::string_view known : internal::KnownUniqueConstraints()) {
    EXPECT_EQ(in_schema.count(std::string(known)), 1u) << known << " is not in the schema";
  }
  for (const std::string& name : in_schema) {
    if (without_reason.count(name) == 0) {
      EXPECT_NE(internal::UniqueClashReason(name), "duplicate_key") << name << " has no reason";
    }
  }
}

TEST_F(PostgresStoreTest, ConnectionsCommitSynchronouslyAndBoundLockWaits) {
  Result<std::unique_ptr<internal::Connection>> connection =
      internal::Connection::Open(store_.conninfo());
  ASSERT_TRUE(IsOk(connection));
  const std::pair<const char*, const char*> expected[] = {
      {"SHOW synchronous_commit", "on"},
      {"SHOW lock_timeout", "5s"},
      {"SHOW client_encoding", "UTF8"},
      {"SHOW application_name", "simkeep"},
  };
  for (const auto& [sql, value] : expected) {
    Result<internal::Statement> statement = (*connection)->Prepare(sql);
    ASSERT_TRUE(IsOk(statement));
    Result<bool> row = statement->Step();
    ASSERT_TRUE(IsOk(row) && *row) << sql;
    EXPECT_EQ(statement->ReadText(), value) << sql;
  }
  EXPECT_EQ(kLockTimeoutMs, 5000);  // What "5s" above reflects.
}

TEST_F(PostgresStoreTest, RefusesASchemaNewerThanTheBuild) {
  ASSERT_TRUE(IsOk(Postgres(*session_).ExecuteForTest(
      "INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)")));
  EXPECT_TRUE(IsError(database_->Migrate(), ErrorCode::kFailedPrecondition, "schema_too_new"));
}

TEST_F(PostgresStoreTest, TransactionOperationsOutsideATransactionChangeNothing) {
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  app::Transaction& transaction = session_->transaction();
  ASSERT_TRUE(IsOk(session_->Commit()));
  EXPECT_TRUE(
      IsError(transaction.NextSequenceValue("receipt"), ErrorCode::kUnavailable, "db_unavailable"));
  EXPECT_TRUE(
      IsError(transaction.InsertLine(SampleLine(2)), ErrorCode::kUnavailable, "db_unavailable"));
  EXPECT_TRUE(IsError(transaction.ForEachAccount([](const ledger::Account&) { return Ok(); }),
                      ErrorCode::kUnavailable, "db_unavailable"));
  Result<int64_t> lines = CountLines(*session_);
  ASSERT_TRUE(IsOk(lines));
  EXPECT_EQ(*lines, 1);
}

TEST_F(PostgresStoreTest, MisusedSessionCallsAreErrorsNotCrashes) {
  EXPECT_TRUE(IsError(session_->Commit(), ErrorCode::kInternal, "internal"));
  EXPECT_TRUE(IsError(session_->Savepoint(), ErrorCode::kInternal, "internal"));
  EXPECT_TRUE(IsOk(session_->Rollback()));
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  EXPECT_TRUE(IsError(session_->Begin(false), ErrorCode::kInternal, "internal"));
  EXPECT_TRUE(IsError(session_->ReleaseSavepoint(), ErrorCode::kInternal, "internal"));
  ASSERT_TRUE(IsOk(session_->Rollback()));
}

TEST_F(PostgresStoreTest, SavepointsNestOnlyToTheirLimit) {
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  for (int depth = 0; depth < kSavepointDepthMax; ++depth) {
    ASSERT_TRUE(IsOk(session_->Savepoint()));
  }
  EXPECT_TRUE(IsError(session_->Savepoint(), ErrorCode::kInternal, "internal"));
  ASSERT_TRUE(IsOk(session_->Rollback()));
}

TEST_F(PostgresStoreTest, StreamsReadPastOneBatchNestAndStopEarly) {
  constexpr int kAccounts = 2 * kStreamBatchRows + 1;
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  app::Transaction& transaction = session_->transaction();
  for (int i = 0; i < kAccounts - 3; ++i) {  // Three are seeded.
    ASSERT_TRUE(IsOk(transaction.InsertAccount(ledger::MakeAccount(
        AccountId{"ac_" + std::to_string(10'000 + i)}, ledger::AccountKind::kRevenue))));
  }
  std::vector<std::string> ids;
  int inner_calls = 0;
  ASSERT_TRUE(IsOk(transaction.ForEachAccount([&](const ledger::Account& account) {
    if (ids.empty()) {
      // A callback may use the transaction, a second stream included.
      Result<void> inner = transaction.ForEachAccount([&](const ledger::Account&) {
        ++inner_calls;
        return Ok();
      });
      if (!inner) {
        return inner;
      }
    }
    ids.push_back(account.id.value);
    return Ok();
  })));
  EXPECT_EQ(inner_calls, kAccounts);
  ASSERT_EQ(ids.size(), static_cast<size_t>(kAccounts));
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());
  int calls = 0;
  Result<void> stopped = transaction.ForEachAccount([&](const ledger::Account&) {
    ++calls;
    return calls == kStreamBatchRows + 10 ? Result<void>(FailedPrecondition("stop", "stop here"))
                                          : Ok();
  });
  EXPECT_TRUE(IsError(stopped, ErrorCode::kFailedPrecondition, "stop"));
  EXPECT_EQ(calls, kStreamBatchRows + 10);
  // The transaction goes on after a stream stopped half-way.
  ASSERT_TRUE(IsOk(transaction.InsertLine(SampleLine(2))));
  ASSERT_TRUE(IsOk(session_->Commit()));
  Result<int64_t> lines = CountLines(*session_);
  ASSERT_TRUE(IsOk(lines));
  EXPECT_EQ(*lines, 2);
}

TEST_F(PostgresStoreTest, StatementsPastTheCacheRunUnpreparedAndAlike) {
  Result<std::unique_ptr<internal::Connection>> connection =
      internal::Connection::Open(store_.conninfo());
  ASSERT_TRUE(IsOk(connection));
  ASSERT_TRUE(IsOk((*connection)->Execute("BEGIN")));
  // Two new SQL texts per round: the cache fills half-way through, and every read and write
  // after that runs unprepared.
  constexpr int kRounds = static_cast<int>(kStatementCacheSizeMax);
  for (int i = 0; i < kRounds; ++i) {
    const std::string read = "SELECT " + std::to_string(i) + " + $1::bigint";
    Result<internal::Statement> sum = (*connection)->Prepare(read.c_str());
    ASSERT_TRUE(IsOk(sum));
    sum->BindInt64(i);
    Result<bool> row = sum->Step();
    ASSERT_TRUE(IsOk(row) && *row) << i;
    EXPECT_EQ(sum->ReadInt64(), 2 * i);
    const std::string write =
        "INSERT INTO sequences (name, value) VALUES ($1, " + std::to_string(i + 1) + ")";
    Result<internal::Statement> insert = (*connection)->PrepareWrite(write.c_str());
    ASSERT_TRUE(IsOk(insert));
    insert->BindText("counter_" + std::to_string(i));
    ASSERT_TRUE(IsOk(insert->Run())) << i;
    EXPECT_EQ((*connection)->Changes(), 1);
  }
  // An unprepared write the database refuses still undoes only itself.
  Result<internal::Statement> refused =
      (*connection)->PrepareWrite("INSERT INTO sequences (name, value) VALUES ($1, 0)");
  ASSERT_TRUE(IsOk(refused));
  refused->BindText("zero");
  EXPECT_TRUE(IsError(refused->Run(), ErrorCode::kFailedPrecondition, "constraint_violation"));
  Result<internal::Statement> count = (*connection)->Prepare("SELECT COUNT(*) FROM sequences");
  ASSERT_TRUE(IsOk(count));
  Result<bool> row = count->Step();
  ASSERT_TRUE(IsOk(row) && *row);
  EXPECT_EQ(count->ReadInt64(), kRounds);
  EXPECT_TRUE(IsOk((*connection)->Execute("ROLLBACK")));
}

TEST_F(PostgresStoreTest, AnUnansweredCallEndsAtItsDeadlineAndTheNextConnectionWorks) {
  Result<std::unique_ptr<internal::Connection>> connection =
      internal::Connection::Open(store_.conninfo());
  ASSERT_TRUE(IsOk(connection));
  internal::Connection& slow = **connection;
  // A server that takes far longer than the deadline looks, to the client, like a hung one.
  slow.SetCallDeadline(std::chrono::milliseconds(200));
  ASSERT_TRUE(IsOk(slow.Execute("BEGIN")));
  const auto started = std::chrono::steady_clock::now();
  Result<void> waited = slow.Execute("SELECT pg_sleep(60)");
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(IsError(waited, ErrorCode::kUnavailable, "db_unavailable"));
  EXPECT_NE(waited.error().message.find("no answer from the database within 200 ms"),
            std::string::npos)
      << waited.error().message;
  // Returned at the deadline, not when the statement ended (a correctness bound, not a timing
  // measurement: without the deadline the call takes the whole minute).
  EXPECT_LT(took, std::chrono::seconds(30));
  EXPECT_TRUE(slow.IsBroken());
  EXPECT_FALSE(slow.InTransaction());
  // The same holds for a prepared statement and for a write in its savepoint.
  ASSERT_TRUE(IsOk(slow.Reset()));
  EXPECT_FALSE(slow.IsBroken());
  ASSERT_TRUE(IsOk(slow.Execute("BEGIN")));
  Result<internal::Statement> sleep = slow.Prepare("SELECT pg_sleep($1::float8)");
  ASSERT_TRUE(IsOk(sleep));
  sleep->BindText("60");
  EXPECT_TRUE(IsError(sleep->Step(), ErrorCode::kUnavailable, "db_unavailable"));
  EXPECT_TRUE(slow.IsBroken());
  ASSERT_TRUE(IsOk(slow.Reset()));
  ASSERT_TRUE(IsOk(slow.Execute("BEGIN")));
  Result<internal::Statement> write =
      slow.PrepareWrite("INSERT INTO sequences (name, value) SELECT $1, 1 FROM pg_sleep(60)");
  ASSERT_TRUE(IsOk(write));
  write->BindText("never");
  EXPECT_TRUE(IsError(write->Run(), ErrorCode::kUnavailable, "db_unavailable"));
  EXPECT_TRUE(slow.IsBroken());
  // Reconnected, the connection answers again, and nothing of the abandoned writes stayed.
  ASSERT_TRUE(IsOk(slow.Reset()));
  ASSERT_TRUE(IsOk(slow.Execute("BEGIN")));
  Result<internal::Statement> count =
      slow.Prepare("SELECT COUNT(*) FROM sequences WHERE name = 'never'");
  ASSERT_TRUE(IsOk(count));
  Result<bool> row = count->Step();
  ASSERT_TRUE(IsOk(row) && *row);
  EXPECT_EQ(count->ReadInt64(), 0);
  EXPECT_TRUE(IsOk(slow.Execute("ROLLBACK")));
}

TEST_F(PostgresStoreTest, ACommandsDeferredWritesAreSeenByItsReadsAndKept) {
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  app::Transaction& transaction = session_->transaction();
  ASSERT_TRUE(IsOk(session_->CommandSavepoint()));
  domain::Line line = SampleLine(2);
  ASSERT_TRUE(IsOk(transaction.InsertLine(line)));
  // The read comes back with the write's answer, and sees it.
  Result<std::optional<domain::Line>> found = transaction.FindLine(line.id);
  ASSERT_TRUE(IsOk(found) && found->has_value());
  line.msisdn = "09011112222";
  ASSERT_TRUE(IsOk(transaction.UpdateLine(line)));
  ASSERT_TRUE(IsOk(session_->ReleaseSavepoint()));
  EXPECT_FALSE(session_->ReplayCommand());
  ASSERT_TRUE(IsOk(session_->Commit()));
  Result<int64_t> lines = CountLines(*session_);
  ASSERT_TRUE(IsOk(lines));
  EXPECT_EQ(*lines, 2);
}

TEST_F(PostgresStoreTest, ADeferredUpdateThatChangesNoRowIsARefusalToo) {
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  app::Transaction& transaction = session_->transaction();
  ASSERT_TRUE(IsOk(session_->CommandSavepoint()));
  ASSERT_TRUE(IsOk(transaction.InsertLine(SampleLine(2))));
  // Line 3 does not exist: the update's row count is only known when the answers are read.
  ASSERT_TRUE(IsOk(transaction.UpdateLine(SampleLine(3))));
  ASSERT_TRUE(IsOk(session_->ReleaseSavepoint()));
  ASSERT_TRUE(session_->ReplayCommand());
  // Step by step, the update answers for itself.
  ASSERT_TRUE(IsOk(session_->CommandSavepoint()));
  ASSERT_TRUE(IsOk(transaction.InsertLine(SampleLine(2))));
  EXPECT_TRUE(
      IsError(transaction.UpdateLine(SampleLine(3)), ErrorCode::kNotFound, "line_not_found"));
  ASSERT_TRUE(IsOk(session_->RollbackToSavepoint()));
  EXPECT_FALSE(session_->ReplayCommand());
  ASSERT_TRUE(IsOk(session_->Commit()));
  Result<int64_t> lines = CountLines(*session_);
  ASSERT_TRUE(IsOk(lines));
  EXPECT_EQ(*lines, 1);
}

TEST_F(PostgresStoreTest, ARefusedDeferredWriteUndoesItsCommandWhichThenRunsStepByStep) {
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  app::Transaction& transaction = session_->transaction();
  // A first command of the batch, kept.
  ASSERT_TRUE(IsOk(session_->CommandSavepoint()));
  ASSERT_TRUE(IsOk(transaction.InsertLine(SampleLine(2))));
  ASSERT_TRUE(IsOk(session_->ReleaseSavepoint()));
  ASSERT_FALSE(session_->ReplayCommand());
  // A second command: a new line, then a line that exists (line 1). The clash is only known
  // when the answers are read, after the command believed it had succeeded.
  for (const bool release : {true, false}) {
    ASSERT_TRUE(IsOk(session_->CommandSavepoint()));
    ASSERT_TRUE(IsOk(transaction.InsertLine(SampleLine(3))));
    static_cast<void>(transaction.InsertLine(SampleLine(1)));
    ASSERT_TRUE(IsOk(release ? session_->ReleaseSavepoint() : session_->RollbackToSavepoint()));
    EXPECT_TRUE(session_->ReplayCommand()) << release;
    EXPECT_FALSE(session_->ReplayCommand()) << release;  // Once.
    // Undone, line 3 included; the transaction goes on.
    Result<std::optional<domain::Line>> three = transaction.FindLine(SampleLine(3).id);
    ASSERT_TRUE(IsOk(three));
    EXPECT_FALSE(three->has_value()) << release;
    // The replay runs step by step: the clash is the insert's own answer, undoing only itself.
    ASSERT_TRUE(IsOk(session_->CommandSavepoint()));
    ASSERT_TRUE(IsOk(transaction.InsertLine(SampleLine(3))));
    EXPECT_TRUE(
        IsError(transaction.InsertLine(SampleLine(1)), ErrorCode::kAlreadyExists, "line_exists"));
    // The caller refuses the command (the second time) or keeps the rest (the first).
    ASSERT_TRUE(IsOk(release ? session_->RollbackToSavepoint() : session_->ReleaseSavepoint()));
    EXPECT_FALSE(session_->ReplayCommand());
  }
  // And the command after it is deferred again.
  ASSERT_TRUE(IsOk(session_->CommandSavepoint()));
  ASSERT_TRUE(IsOk(transaction.InsertLine(SampleLine(4))));
  ASSERT_TRUE(IsOk(session_->ReleaseSavepoint()));
  EXPECT_FALSE(session_->ReplayCommand());
  ASSERT_TRUE(IsOk(session_->Commit()));
  Result<int64_t> lines = CountLines(*session_);
  ASSERT_TRUE(IsOk(lines));
  EXPECT_EQ(*lines, 4);  // Lines 1 to 4, each once.
}

TEST_F(PostgresStoreTest, ConcurrentWritersWaitForEachOtherAndLoseNothing) {
  constexpr int kThreads = 4;
  constexpr int kCommitsPerThread = 25;
  std::vector<std::vector<int64_t>> values(kThreads);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
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

TEST_F(PostgresStoreTest, AnAbandonedTransactionIsRolledBackWhenTheSessionCloses) {
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  ASSERT_TRUE(IsOk(session_->transaction().NextSequenceValue("receipt")));
  session_.reset();
  std::unique_ptr<app::Session> session = Connect();
  ASSERT_NE(session, nullptr);
  ASSERT_TRUE(IsOk(session->Begin(false)));
  Result<int64_t> value = session->transaction().NextSequenceValue("receipt");
  ASSERT_TRUE(IsOk(value));
  EXPECT_EQ(*value, 1);
  ASSERT_TRUE(IsOk(session->Rollback()));
}

TEST_F(PostgresStoreTest, LookupsInAWriteTransactionLockTheirRowsAndReadOnlyOnesDoNot) {
  struct Lookup {
    const char* name;
    std::function<bool(app::Transaction&)> find;  // True when the row was found.
    const char* probe;  // Fails at once (NOWAIT) while another session locks the row.
  };
  const domain::Line line = SampleLine(1);
  const std::vector<Lookup> lookups = {
      {"FindAccount",
       [](app::Transaction& t) {
         Result<std::optional<ledger::Account>> found = t.FindAccount(AccountId{"ac_wallet"});
         return found && found->has_value();
       },
       "SELECT 1 FROM ledger_accounts WHERE account_id = 'ac_wallet' FOR UPDATE NOWAIT"},
      {"FindLine",
       [&](app::Transaction& t) {
         Result<std::optional<domain::Line>> found = t.FindLine(line.id);
         return found && found->has_value();
       },
       "SELECT 1 FROM lines WHERE line_id = 'ln_1001' FOR UPDATE NOWAIT"},
      {"FindLineByIccid",
       [&](app::Transaction& t) {
         Result<std::optional<domain::Line>> found = t.FindLineByIccid(line.iccid);
         return found && found->has_value();
       },
       "SELECT 1 FROM lines WHERE line_id = 'ln_1001' FOR UPDATE NOWAIT"},
      {"FindLineByMsisdn",
       [&](app::Transaction& t) {
         Result<std::optional<domain::Line>> found = t.FindLineByMsisdn(line.msisdn);
         return found && found->has_value();
       },
       "SELECT 1 FROM lines WHERE line_id = 'ln_1001' FOR UPDATE NOWAIT"},
      {"FindOrder",
       [](app::Transaction& t) {
         Result<std::optional<domain::Order>> found = t.FindOrder(OrderId{"or_1"});
         return found && found->has_value();
       },
       "SELECT 1 FROM orders WHERE order_id = 'or_1' FOR UPDATE NOWAIT"},
      {"FindPayment",
       [](app::Transaction& t) {
         Result<std::optional<domain::Payment>> found = t.FindPayment(PaymentId{"pa_1"});
         return found && found->has_value();
       },
       "SELECT 1 FROM payments WHERE payment_id = 'pa_1' FOR UPDATE NOWAIT"},
      {"FindPaymentByOrder",
       [](app::Transaction& t) {
         Result<std::optional<domain::Payment>> found = t.FindPaymentByOrder(OrderId{"or_1"});
         return found && found->has_value();
       },
       "SELECT 1 FROM payments WHERE payment_id = 'pa_1' FOR UPDATE NOWAIT"},
  };
  std::unique_ptr<app::Session> other = Connect();
  ASSERT_NE(other, nullptr);
  for (const Lookup& lookup : lookups) {
    for (const bool read_only : {false, true}) {
      ASSERT_TRUE(IsOk(session_->Begin(read_only)));
      EXPECT_TRUE(lookup.find(session_->transaction())) << lookup.name;
      ASSERT_TRUE(IsOk(other->Begin(false)));
      Result<void> probe = Postgres(*other).ExecuteForTest(lookup.probe);
      if (read_only) {
        EXPECT_TRUE(IsOk(probe)) << lookup.name << " locked in a read-only transaction";
      } else {
        EXPECT_TRUE(IsError(probe, ErrorCode::kUnavailable, "db_unavailable"))
            << lookup.name << " did not lock its row";
      }
      ASSERT_TRUE(IsOk(other->Rollback()));
      ASSERT_TRUE(IsOk(session_->Rollback()));
    }
  }
}

TEST_F(PostgresStoreTest, ALockedBalanceMakesASecondWriterWaitAndReadTheNewOne) {
  std::unique_ptr<app::Session> second = Connect();
  ASSERT_NE(second, nullptr);
  const int second_pid = Postgres(*second).BackendPidForTest();
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  Result<std::optional<ledger::Account>> first_read =
      session_->transaction().FindAccount(AccountId{"ac_wallet"});
  ASSERT_TRUE(IsOk(first_read) && first_read->has_value());

  int64_t seen_by_second = -1;
  std::thread waiter([&]() {
    ASSERT_TRUE(IsOk(second->Begin(false)));
    Result<std::optional<ledger::Account>> read =
        second->transaction().FindAccount(AccountId{"ac_wallet"});
    ASSERT_TRUE(IsOk(read) && read->has_value());
    seen_by_second = (*read)->credits_posted;
    ASSERT_TRUE(IsOk(second->Rollback()));
  });
  // Wait (well within the lock timeout) until the second session is blocked on the row lock.
  const std::string waiting_sql =
      "SELECT COALESCE(wait_event_type, '') FROM pg_stat_activity "
      "WHERE pid = " +
      std::to_string(second_pid);
  bool waited = false;
  for (int i = 0; i < 300 && !waited; ++i) {
    Result<std::string> wait_event = Query(waiting_sql.c_str());
    waited = wait_event && *wait_event == "Lock";
    if (!waited) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  EXPECT_TRUE(waited) << "the second FindAccount did not wait for the lock";
  ledger::Account updated = **first_read;
  updated.credits_posted = 700;
  EXPECT_TRUE(IsOk(session_->transaction().UpdateAccount(updated)));
  EXPECT_TRUE(IsOk(session_->Commit()));
  waiter.join();
  EXPECT_EQ(seen_by_second, 700);
}

TEST_F(PostgresStoreTest, ReadOnlyTransactionsReadOneSnapshot) {
  std::unique_ptr<app::Session> reader = Connect();
  ASSERT_NE(reader, nullptr);
  ASSERT_TRUE(IsOk(reader->Begin(true)));
  Result<int64_t> before = reader->transaction().CountLines();
  ASSERT_TRUE(IsOk(before));
  EXPECT_EQ(*before, 1);
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  ASSERT_TRUE(IsOk(session_->transaction().InsertLine(SampleLine(2))));
  ASSERT_TRUE(IsOk(session_->Commit()));  // Not blocked by the open reader.
  Result<int64_t> during = reader->transaction().CountLines();
  ASSERT_TRUE(IsOk(during));
  EXPECT_EQ(*during, 1);
  ASSERT_TRUE(IsOk(reader->Rollback()));
  Result<int64_t> after = CountLines(*reader);
  ASSERT_TRUE(IsOk(after));
  EXPECT_EQ(*after, 2);
}

TEST_F(PostgresStoreTest, ALostConnectionIsUnavailableAndTheNextBeginReconnects) {
  const int first_pid = Postgres(*session_).BackendPidForTest();
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  ASSERT_TRUE(IsOk(session_->transaction().InsertLine(SampleLine(2))));
  TerminateBackend(*session_);
  // Mid-transaction: every kind of statement says db_unavailable; Rollback() then succeeds.
  EXPECT_TRUE(IsError(session_->transaction().InsertLine(SampleLine(3)), ErrorCode::kUnavailable,
                      "db_unavailable"));
  EXPECT_TRUE(IsError(session_->transaction().FindLine(LineId{"ln_1001"}), ErrorCode::kUnavailable,
                      "db_unavailable"));
  EXPECT_TRUE(IsError(session_->Savepoint(), ErrorCode::kUnavailable, "db_unavailable"));
  EXPECT_TRUE(IsOk(session_->Rollback()));
  // The next Begin() reconnects; the uncommitted line is gone.
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  EXPECT_NE(Postgres(*session_).BackendPidForTest(), first_pid);
  Result<int64_t> count = session_->transaction().CountLines();
  ASSERT_TRUE(IsOk(count));
  EXPECT_EQ(*count, 1);
  ASSERT_TRUE(IsOk(session_->transaction().InsertLine(SampleLine(2))));
  ASSERT_TRUE(IsOk(session_->Commit()));
  // Lost while idle: libpq only notices at BEGIN, which reconnects and begins again.
  TerminateBackend(*session_);
  Result<int64_t> lines = CountLines(*session_);
  ASSERT_TRUE(IsOk(lines));
  EXPECT_EQ(*lines, 2);
  // A commit that finds the connection gone reports it.
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  ASSERT_TRUE(IsOk(session_->transaction().InsertLine(SampleLine(3))));
  TerminateBackend(*session_);
  EXPECT_TRUE(IsError(session_->Commit(), ErrorCode::kUnavailable, "db_unavailable"));
  EXPECT_TRUE(IsOk(session_->Rollback()));
  Result<int64_t> final_lines = CountLines(*session_);
  ASSERT_TRUE(IsOk(final_lines));
  EXPECT_EQ(*final_lines, 2);
}

TEST_F(PostgresStoreTest, ACommitAfterAnAbortingErrorIsRefusedAndWritesNothing) {
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  ASSERT_TRUE(IsOk(session_->transaction().InsertLine(SampleLine(2))));
  EXPECT_FALSE(IsOk(Postgres(*session_).ExecuteForTest("SELECT 1 / 0")));
  EXPECT_TRUE(
      IsError(session_->transaction().CountLines(), ErrorCode::kUnavailable, "db_unavailable"));
  EXPECT_TRUE(IsError(session_->Commit(), ErrorCode::kUnavailable, "db_unavailable"));
  Result<int64_t> lines = CountLines(*session_);
  ASSERT_TRUE(IsOk(lines));
  EXPECT_EQ(*lines, 1);
}

TEST_F(PostgresStoreTest, TextPostgresCannotHoldIsRefusedWithoutSpoilingTheTransaction) {
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  app::Transaction& transaction = session_->transaction();
  domain::Line with_nul = SampleLine(2);
  with_nul.number_class = std::string("voice\0mobile", 12);
  EXPECT_TRUE(IsError(transaction.InsertLine(with_nul), ErrorCode::kFailedPrecondition,
                      "constraint_violation"));
  domain::Line not_utf8 = SampleLine(2);
  not_utf8.eid = "89\xff";
  EXPECT_TRUE(IsError(transaction.InsertLine(not_utf8), ErrorCode::kFailedPrecondition,
                      "constraint_violation"));
  // A lookup by such a value finds nothing, as nothing stored can equal it.
  Result<std::optional<domain::Line>> by_iccid =
      transaction.FindLineByIccid(std::string("8981\0", 5));
  ASSERT_TRUE(IsOk(by_iccid));
  EXPECT_FALSE(by_iccid->has_value());
  Result<std::optional<domain::Line>> by_msisdn = transaction.FindLineByMsisdn("+81\xc3");
  ASSERT_TRUE(IsOk(by_msisdn));
  EXPECT_FALSE(by_msisdn->has_value());
  ASSERT_TRUE(IsOk(transaction.InsertLine(SampleLine(2))));
  ASSERT_TRUE(IsOk(session_->Commit()));
  Result<int64_t> lines = CountLines(*session_);
  ASSERT_TRUE(IsOk(lines));
  EXPECT_EQ(*lines, 2);
}

}  // namespace
}  // namespace simkeep::storage::postgres
