#include "simkeep/storage/sqlite/sqlite_session.h"

#include <utility>

#include "simkeep/storage/sql/store_transaction_impl.h"
#include "simkeep/storage/sqlite/internal/connection.h"
#include "simkeep/storage/sqlite/limits.h"

namespace simkeep::storage {
// The one instantiation of the shared query code on SQLite (sqlite_session.h declares it).
template class sql::StoreTransaction<sqlite::internal::Connection, sqlite::internal::SqliteDialect>;
}  // namespace simkeep::storage

namespace simkeep::storage::sqlite {

// SqliteSession ---------------------------------------------------------------------------------

SqliteSession::SqliteSession(std::unique_ptr<internal::Connection> connection)
    : connection_(std::move(connection)), transaction_(*connection_) {
  connection_->RequireTransaction();
}

SqliteSession::~SqliteSession() {
  // A transaction still open here was abandoned by its caller; nothing of it may persist. A
  // failure cannot be reported from a destructor, and closing the connection rolls back anyway.
  if (connection_->InTransaction()) {
    static_cast<void>(connection_->Execute("ROLLBACK"));
  }
}

Result<void> SqliteSession::ExecuteControl(const std::string& sql) {
  return connection_->Execute(sql.c_str());
}

Result<void> SqliteSession::Begin(bool read_only) {
  if (active_) {
    return Internal("Begin: a transaction is already open on this session");
  }
  Result<void> begun = connection_->Execute(read_only ? "BEGIN DEFERRED" : "BEGIN IMMEDIATE");
  if (!begun) {
    return begun;
  }
  active_ = true;
  savepoint_depth_ = 0;
  transaction_.set_writable(!read_only);
  return Ok();
}

app::Transaction& SqliteSession::transaction() {
  SIMKEEP_ASSERT(active_);
  return transaction_;
}

Result<void> SqliteSession::Savepoint() {
  if (!active_) {
    return Internal("Savepoint: no open transaction");
  }
  if (savepoint_depth_ >= kSavepointDepthMax) {
    return Internal("Savepoint: nested deeper than kSavepointDepthMax");
  }
  Result<void> done = ExecuteControl("SAVEPOINT sp_" + std::to_string(savepoint_depth_ + 1));
  if (!done) {
    return done;
  }
  ++savepoint_depth_;
  return Ok();
}

Result<void> SqliteSession::ReleaseSavepoint() {
  if (!active_ || savepoint_depth_ == 0) {
    return Internal("ReleaseSavepoint: no open savepoint");
  }
  Result<void> done = ExecuteControl("RELEASE sp_" + std::to_string(savepoint_depth_));
  if (!done) {
    return done;
  }
  --savepoint_depth_;
  return Ok();
}

Result<void> SqliteSession::RollbackToSavepoint() {
  if (!active_ || savepoint_depth_ == 0) {
    return Internal("RollbackToSavepoint: no open savepoint");
  }
  // ROLLBACK TO keeps the savepoint open; RELEASE then ends it, now empty.
  const std::string name = "sp_" + std::to_string(savepoint_depth_);
  Result<void> done = ExecuteControl("ROLLBACK TO " + name + "; RELEASE " + name);
  if (!done) {
    return done;
  }
  --savepoint_depth_;
  return Ok();
}

Result<void> SqliteSession::Commit() {
  if (!active_) {
    return Internal("Commit: no open transaction");
  }
  active_ = false;
  savepoint_depth_ = 0;
  if (!connection_->InTransaction()) {
    return Unavailable("db_unavailable",
                       "commit: the database rolled the transaction back after an earlier error");
  }
  Result<void> committed = connection_->Execute("COMMIT");
  if (!committed) {
    // A failed COMMIT may leave the transaction open; end it so the session can begin again.
    if (connection_->InTransaction()) {
      static_cast<void>(connection_->Execute("ROLLBACK"));
    }
    return committed;
  }
  connection_->RestartLogIfLong();
  return Ok();
}

Result<void> SqliteSession::Rollback() {
  active_ = false;
  savepoint_depth_ = 0;
  if (!connection_->InTransaction()) {
    return Ok();
  }
  return connection_->Execute("ROLLBACK");
}

Result<void> SqliteSession::ExecuteForTest(std::string_view sql) {
  return connection_->Execute(std::string(sql).c_str());
}

}  // namespace simkeep::storage::sqlite
