#ifndef SIMKEEP_STORAGE_SQLITE_SQLITE_SESSION_H_
#define SIMKEEP_STORAGE_SQLITE_SQLITE_SESSION_H_

#include <memory>
#include <string>
#include <string_view>

#include "simkeep/app/ports.h"
#include "simkeep/storage/sql/store_transaction.h"

namespace simkeep::storage::sqlite::internal {
class Connection;
struct SqliteDialect;
}  // namespace simkeep::storage::sqlite::internal

namespace simkeep::storage {
// Compiled once, in sqlite_session.cc.
extern template class sql::StoreTransaction<sqlite::internal::Connection,
                                            sqlite::internal::SqliteDialect>;
}  // namespace simkeep::storage

namespace simkeep::storage::sqlite {

// The reads and writes of one SQLite transaction: app::Transaction over one connection, the
// shared query code of storage/sql (see sql::StoreTransaction for every method's contract).
// Statements come prepared from the connection's cache; unique-key clashes are told apart by
// the key SQLite names (see README.md for the reasons per table). Owned by its SqliteSession and
// valid as long as it. Not thread-safe.
using SqliteTransaction = sql::StoreTransaction<internal::Connection, internal::SqliteDialect>;

// One SQLite connection and the transaction on it: app::Session. Obtained from
// SqliteDatabase::Connect(); owns its connection and closes it on destruction, rolling back a
// transaction still open.
//
// Transactions: Begin(false) is BEGIN IMMEDIATE, which takes the database's single write lock
// at once (waiting up to kBusyTimeoutMs), so a write transaction never fails later on a lock.
// Begin(true) is a deferred BEGIN: a consistent snapshot that never blocks the writer (WAL);
// writes in it are a caller bug. Commit() returns once the commit is synced to disk
// (synchronous=FULL).
//
// Savepoints nest up to kSavepointDepthMax. RollbackToSavepoint() undoes everything since the
// innermost open Savepoint() and ends that savepoint, as ReleaseSavepoint() ends it keeping the
// changes; either way the enclosing transaction stays open.
//
// Misuse (Begin twice, Commit or a savepoint without a transaction) returns kInternal. Not
// thread-safe: one thread at a time; the session may move between threads between calls.
class SqliteSession final : public app::Session {
 public:
  explicit SqliteSession(std::unique_ptr<internal::Connection> connection);
  SqliteSession(const SqliteSession&) = delete;
  SqliteSession& operator=(const SqliteSession&) = delete;
  ~SqliteSession() override;

  Result<void> Begin(bool read_only) override;
  // REQUIRES: a transaction is open (Begin succeeded and no Commit or Rollback since).
  app::Transaction& transaction() override;
  Result<void> Savepoint() override;
  Result<void> ReleaseSavepoint() override;
  Result<void> RollbackToSavepoint() override;
  // Errors: kUnavailable "db_unavailable" when the commit failed or SQLite had already rolled
  // the transaction back after an earlier failure; the transaction is then rolled back.
  Result<void> Commit() override;
  // Succeeds, changing nothing, when no transaction is open.
  Result<void> Rollback() override;

  // Runs `sql` (one or more statements) as is, inside or outside a transaction. For tests that
  // check what the database itself refuses (updating a receipt, a negative wallet row).
  Result<void> ExecuteForTest(std::string_view sql);

 private:
  Result<void> ExecuteControl(const std::string& sql);

  std::unique_ptr<internal::Connection> connection_;
  SqliteTransaction transaction_;
  bool active_ = false;
  int savepoint_depth_ = 0;
};

}  // namespace simkeep::storage::sqlite

#endif  // SIMKEEP_STORAGE_SQLITE_SQLITE_SESSION_H_
