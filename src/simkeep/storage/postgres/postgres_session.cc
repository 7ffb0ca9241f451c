#include "simkeep/storage/postgres/postgres_session.h"

#include <string>
#include <utility>

#include "simkeep/base/assert.h"
#include "simkeep/storage/postgres/internal/connection.h"
#include "simkeep/storage/postgres/limits.h"
#include "simkeep/storage/sql/store_transaction_impl.h"

namespace simkeep::storage {
// The one instantiation of the shared query code on PostgreSQL (postgres_session.h declares it).
template class sql::StoreTransaction<postgres::internal::Connection,
                                     postgres::internal::PostgresDialect>;
}  // namespace simkeep::storage

namespace simkeep::storage::postgres {
namespace {

// Read committed: each statement sees what is committed when it starts, and the lookups that
// lock (FOR UPDATE) see the latest committed version of the row once they hold it.
constexpr const char* kBeginWrite = "BEGIN ISOLATION LEVEL READ COMMITTED, READ WRITE";
// Repeatable read: one snapshot for every statement of the transaction. A read-only transaction
// at this level never waits for a lock and never fails to serialise.
constexpr const char* kBeginRead = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";

}  // namespace

// PostgresSession -------------------------------------------------------------------------------

PostgresSession::PostgresSession(std::unique_ptr<internal::Connection> connection)
    : connection_(std::move(connection)), transaction_(*connection_) {
  connection_->RequireTransaction();
}

PostgresSession::~PostgresSession() {
  // A transaction still open here was abandoned by its caller; nothing of it may persist.
  // Closing the connection (the member's destructor) makes the server roll it back anyway; the
  // explicit ROLLBACK only makes that immediate. A failure cannot be reported from here.
  if (connection_->InTransaction() && !connection_->IsBroken()) {
    static_cast<void>(connection_->Execute("ROLLBACK"));
  }
}

Result<void> PostgresSession::ExecuteControl(const std::string& sql) {
  return connection_->Execute(sql.c_str());
}

Result<void> PostgresSession::Begin(bool read_only) {
  if (active_) {
    return Internal("Begin: a transaction is already open on this session");
  }
  command_deferred_ = false;
  replay_ = false;
  step_by_step_ = false;
  if (connection_->InTransaction() && !connection_->IsBroken()) {
    // Left over from a Commit() or Rollback() that failed half-way. BEGIN inside a transaction
    // is only a warning in PostgreSQL, so it must be ended first.
    static_cast<void>(connection_->Execute("ROLLBACK"));
  }
  const char* begin = read_only ? kBeginRead : kBeginWrite;
  if (connection_->IsBroken()) {
    if (Result<void> reset = connection_->Reset(); !reset) {
      return reset;
    }
  }
  Result<void> begun = connection_->Execute(begin);
  if (!begun && connection_->IsBroken()) {
    // The connection looked healthy until BEGIN used it (the server restarted, or ended this
    // backend). Nothing of a transaction was done yet, so reconnecting and beginning again is
    // safe. Once only: a server that is down stays down for now.
    if (Result<void> reset = connection_->Reset(); !reset) {
      return reset;
    }
    begun = connection_->Execute(begin);
  }
  if (!begun) {
    return begun;
  }
  active_ = true;
  savepoint_depth_ = 0;
  transaction_.set_writable(!read_only);
  return Ok();
}

app::Transaction& PostgresSession::transaction() {
  SIMKEEP_ASSERT(active_);
  return transaction_;
}

Result<void> PostgresSession::Savepoint() {
  if (!active_) {
    return Internal("Savepoint: no open transaction");
  }
  if (savepoint_depth_ >= kSavepointDepthMax) {
    return Internal("Savepoint: nested deeper than kSavepointDepthMax");
  }
  // Inside a deferred command, ExecuteControl first reads the outstanding answers; the writes
  // after a nested savepoint are still deferred, and a refusal still undoes the whole command.
  Result<void> done = ExecuteControl("SAVEPOINT sp_" + std::to_string(savepoint_depth_ + 1));
  if (!done) {
    return done;
  }
  ++savepoint_depth_;
  return Ok();
}

Result<void> PostgresSession::CommandSavepoint() {
  if (!active_) {
    return Internal("CommandSavepoint: no open transaction");
  }
  if (savepoint_depth_ != 0 || step_by_step_) {
    step_by_step_ = false;
    return Savepoint();
  }
  replay_ = false;
  connection_->BeginDeferring();
  Result<void> queued = connection_->QueueControl("SAVEPOINT sp_1");
  if (!queued) {
    connection_->EndDeferring();
    return queued;
  }
  command_deferred_ = true;
  savepoint_depth_ = 1;
  return Ok();
}

bool PostgresSession::ReplayCommand() {
  if (!replay_) {
    return false;
  }
  replay_ = false;
  step_by_step_ = true;
  return true;
}

Result<void> PostgresSession::EndDeferredCommand(bool release) {
  command_deferred_ = false;
  --savepoint_depth_;
  // RELEASE rides with the last answers: the server refuses it (the pipeline is aborted) when a
  // deferred write was refused. Not so when a row count is checked here, on the client: the
  // answers are read first, and the savepoint ended after.
  const bool release_with_answers = release && !connection_->ExpectationQueued();
  Result<void> settled =
      connection_->Settle(release_with_answers ? "RELEASE SAVEPOINT sp_1" : nullptr);
  const bool refused = connection_->DeferredWriteFailed();
  connection_->EndDeferring();
  if (!refused) {
    if (!settled || release_with_answers) {
      return settled;
    }
    return ExecuteControl(release ? "RELEASE SAVEPOINT sp_1"
                                  : "ROLLBACK TO SAVEPOINT sp_1; RELEASE SAVEPOINT sp_1");
  }
  // The command believed a refused write had succeeded: undo all of it, to be run again.
  Result<void> undone = ExecuteControl("ROLLBACK TO SAVEPOINT sp_1; RELEASE SAVEPOINT sp_1");
  if (undone) {
    replay_ = true;
  }
  return undone;
}

Result<void> PostgresSession::ReleaseSavepoint() {
  if (!active_ || savepoint_depth_ == 0) {
    return Internal("ReleaseSavepoint: no open savepoint");
  }
  if (command_deferred_ && savepoint_depth_ == 1) {
    return EndDeferredCommand(/*release=*/true);
  }
  Result<void> done = ExecuteControl("RELEASE SAVEPOINT sp_" + std::to_string(savepoint_depth_));
  if (!done) {
    return done;
  }
  --savepoint_depth_;
  return Ok();
}

Result<void> PostgresSession::RollbackToSavepoint() {
  if (!active_ || savepoint_depth_ == 0) {
    return Internal("RollbackToSavepoint: no open savepoint");
  }
  if (command_deferred_ && savepoint_depth_ == 1) {
    return EndDeferredCommand(/*release=*/false);
  }
  // ROLLBACK TO keeps the savepoint open (and clears an error that aborted the transaction
  // after it); RELEASE then ends it, now empty.
  const std::string name = "sp_" + std::to_string(savepoint_depth_);
  Result<void> done =
      ExecuteControl("ROLLBACK TO SAVEPOINT " + name + "; RELEASE SAVEPOINT " + name);
  if (!done) {
    return done;
  }
  --savepoint_depth_;
  return Ok();
}

Result<void> PostgresSession::Commit() {
  if (!active_) {
    return Internal("Commit: no open transaction");
  }
  active_ = false;
  savepoint_depth_ = 0;
  if (command_deferred_) {
    // A command left open: whatever it deferred is read now, and the commit below decides.
    command_deferred_ = false;
    connection_->EndDeferring();
  }
  if (connection_->TransactionFailed()) {
    // PostgreSQL would answer COMMIT with a silent ROLLBACK here.
    static_cast<void>(connection_->Execute("ROLLBACK"));
    return Unavailable("db_unavailable",
                       "commit: the database aborted the transaction after an earlier error");
  }
  if (!connection_->InTransaction()) {
    return Unavailable("db_unavailable", "commit: the connection to the database was lost");
  }
  Result<std::string> committed = connection_->ExecuteCommand("COMMIT");
  if (!committed) {
    // A failed COMMIT may leave the transaction open; end it so the session can begin again.
    if (connection_->InTransaction() && !connection_->IsBroken()) {
      static_cast<void>(connection_->Execute("ROLLBACK"));
    }
    Error error = committed.error();
    if (connection_->IsBroken()) {
      error.message += " (the connection was lost during the commit, which may have been applied)";
    }
    return error;
  }
  if (*committed != "COMMIT") {
    return Unavailable("db_unavailable", "commit: the database rolled the transaction back");
  }
  return Ok();
}

Result<void> PostgresSession::Rollback() {
  active_ = false;
  savepoint_depth_ = 0;
  if (command_deferred_) {
    command_deferred_ = false;
    connection_->EndDeferring();  // Reads the answers outstanding, to leave pipeline mode.
  }
  if (connection_->IsBroken() || !connection_->InTransaction()) {
    // Nothing to undo: the server drops a transaction together with its connection.
    return Ok();
  }
  Result<void> done = connection_->Execute("ROLLBACK");
  if (!done && connection_->IsBroken()) {
    return Ok();  // Lost during the ROLLBACK: the server drops the transaction all the same.
  }
  return done;
}

Result<void> PostgresSession::ExecuteForTest(std::string_view sql) {
  return connection_->Execute(std::string(sql).c_str());
}

int PostgresSession::BackendPidForTest() const { return connection_->BackendPid(); }

}  // namespace simkeep::storage::postgres
