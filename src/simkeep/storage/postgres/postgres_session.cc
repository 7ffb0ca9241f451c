#include "simkeep/storage/postgres/postgres_session.h"

#include <string>
#include <utility>

#include "simkeep/base/assert.h"
#include "simkeep/storage/postgres/internal/access_store.h"
#include "simkeep/storage/postgres/internal/catalog_store.h"
#include "simkeep/storage/postgres/internal/connection.h"
#include "simkeep/storage/postgres/internal/ledger_store.h"
#include "simkeep/storage/postgres/internal/line_store.h"
#include "simkeep/storage/postgres/internal/order_store.h"
#include "simkeep/storage/postgres/internal/receipt_store.h"
#include "simkeep/storage/postgres/internal/rows.h"
#include "simkeep/storage/postgres/limits.h"

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
  transaction_.set_lock_rows(!read_only);
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
  Result<void> done = ExecuteControl("SAVEPOINT sp_" + std::to_string(savepoint_depth_ + 1));
  if (!done) {
    return done;
  }
  ++savepoint_depth_;
  return Ok();
}

Result<void> PostgresSession::ReleaseSavepoint() {
  if (!active_ || savepoint_depth_ == 0) {
    return Internal("ReleaseSavepoint: no open savepoint");
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

// PostgresTransaction: each operation lives with its table group in internal/*_store.cc. ----------

internal::RowLock PostgresTransaction::Lock() const {
  return lock_rows_ ? internal::RowLock::kForUpdate : internal::RowLock::kNone;
}

Result<domain::Catalog> PostgresTransaction::LoadCatalog() {
  return internal::LoadCatalog(connection_);
}
Result<void> PostgresTransaction::SaveCatalog(const domain::Catalog& catalog) {
  return internal::SaveCatalog(connection_, catalog);
}

Result<std::optional<domain::Line>> PostgresTransaction::FindLine(const LineId& id) {
  return internal::FindLine(connection_, internal::LineKey::kId, id.value, Lock());
}
Result<std::optional<domain::Line>> PostgresTransaction::FindLineByIccid(std::string_view iccid) {
  return internal::FindLine(connection_, internal::LineKey::kIccid, iccid, Lock());
}
Result<std::optional<domain::Line>> PostgresTransaction::FindLineByMsisdn(std::string_view e164) {
  return internal::FindLine(connection_, internal::LineKey::kMsisdn, e164, Lock());
}
Result<std::vector<domain::Line>> PostgresTransaction::ListLines(const app::PageRequest& page) {
  return internal::ListLines(connection_, page);
}
Result<int64_t> PostgresTransaction::CountLines() { return internal::CountLines(connection_); }
Result<void> PostgresTransaction::InsertLine(const domain::Line& line) {
  return internal::InsertLine(connection_, line);
}
Result<void> PostgresTransaction::UpdateLine(const domain::Line& line) {
  return internal::UpdateLine(connection_, line);
}
Result<void> PostgresTransaction::InsertLineEvent(const domain::LineEvent& event) {
  return internal::InsertLineEvent(connection_, event);
}
Result<std::vector<domain::LineEvent>> PostgresTransaction::ListLineEvents(const LineId& line_id,
                                                                           int limit) {
  return internal::ListLineEvents(connection_, line_id, limit);
}
Result<void> PostgresTransaction::InsertBucket(const domain::Bucket& bucket) {
  return internal::InsertBucket(connection_, bucket);
}
Result<std::vector<domain::Bucket>> PostgresTransaction::ListBuckets(const LineId& line_id) {
  return internal::ListBuckets(connection_, line_id);
}

Result<std::optional<ledger::Account>> PostgresTransaction::FindAccount(const AccountId& id) {
  return internal::FindAccount(connection_, id, Lock());
}
Result<void> PostgresTransaction::InsertAccount(const ledger::Account& account) {
  return internal::InsertAccount(connection_, account);
}
Result<void> PostgresTransaction::UpdateAccount(const ledger::Account& account) {
  return internal::UpdateAccount(connection_, account);
}
Result<void> PostgresTransaction::InsertTransfer(const ledger::Transfer& transfer) {
  return internal::InsertTransfer(connection_, transfer);
}
Result<std::optional<ledger::Transfer>> PostgresTransaction::FindTransfer(const TransferId& id) {
  return internal::FindTransfer(connection_, id);
}
Result<void> PostgresTransaction::ForEachAccount(
    const std::function<Result<void>(const ledger::Account&)>& callback) {
  return internal::ForEachAccount(connection_, callback);
}
Result<void> PostgresTransaction::ForEachTransfer(
    const std::function<Result<void>(const ledger::Transfer&)>& callback) {
  return internal::ForEachTransfer(connection_, callback);
}

Result<void> PostgresTransaction::ForEachOrder(
    const std::function<Result<void>(const domain::Order&)>& callback) {
  return internal::ForEachOrder(connection_, callback);
}

Result<void> PostgresTransaction::InsertOrder(const domain::Order& order) {
  return internal::InsertOrder(connection_, order);
}
Result<void> PostgresTransaction::UpdateOrder(const domain::Order& order) {
  return internal::UpdateOrder(connection_, order);
}
Result<std::optional<domain::Order>> PostgresTransaction::FindOrder(const OrderId& id) {
  return internal::FindOrder(connection_, id, Lock());
}
Result<std::vector<domain::Order>> PostgresTransaction::ListOrders(const LineId& line_id,
                                                                   const app::PageRequest& page) {
  return internal::ListOrders(connection_, line_id, page);
}
Result<void> PostgresTransaction::InsertPayment(const domain::Payment& payment) {
  return internal::InsertPayment(connection_, payment);
}
Result<void> PostgresTransaction::UpdatePayment(const domain::Payment& payment) {
  return internal::UpdatePayment(connection_, payment);
}
Result<std::optional<domain::Payment>> PostgresTransaction::FindPayment(const PaymentId& id) {
  return internal::FindPayment(connection_, internal::PaymentKey::kId, id.value, Lock());
}
Result<std::optional<domain::Payment>> PostgresTransaction::FindPaymentByOrder(const OrderId& id) {
  return internal::FindPayment(connection_, internal::PaymentKey::kOrderId, id.value, Lock());
}
Result<std::vector<domain::Payment>> PostgresTransaction::ListPendingPayments(int limit) {
  return internal::ListPendingPayments(connection_, limit);
}
Result<int64_t> PostgresTransaction::NextSequenceValue(std::string_view name) {
  return internal::NextSequenceValue(connection_, name);
}
Result<void> PostgresTransaction::InsertReceipt(const domain::Receipt& receipt) {
  return internal::InsertReceipt(connection_, receipt);
}
Result<std::optional<domain::Receipt>> PostgresTransaction::FindReceiptByOrder(const OrderId& id) {
  return internal::FindReceiptByOrder(connection_, id);
}

Result<std::optional<app::IdempotencyRecord>> PostgresTransaction::FindIdempotency(
    std::string_view principal, std::string_view key) {
  return internal::FindIdempotency(connection_, principal, key);
}
Result<void> PostgresTransaction::InsertIdempotency(const app::IdempotencyRecord& record) {
  return internal::InsertIdempotency(connection_, record);
}
Result<void> PostgresTransaction::CompleteIdempotency(std::string_view principal,
                                                      std::string_view key, int response_status,
                                                      std::string_view response_body) {
  return internal::CompleteIdempotency(connection_, principal, key, response_status, response_body);
}
Result<int64_t> PostgresTransaction::DeleteIdempotencyBefore(Timestamp cutoff) {
  return internal::DeleteIdempotencyBefore(connection_, cutoff);
}

Result<void> PostgresTransaction::InsertApiKey(const app::ApiKey& key) {
  return internal::InsertApiKey(connection_, key);
}
Result<std::optional<app::ApiKey>> PostgresTransaction::FindApiKeyByTokenHash(
    std::string_view token_hash) {
  return internal::FindApiKeyByTokenHash(connection_, token_hash);
}

}  // namespace simkeep::storage::postgres
