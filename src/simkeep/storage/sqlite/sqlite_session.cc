#include "simkeep/storage/sqlite/sqlite_session.h"

#include <utility>

#include "simkeep/storage/sqlite/internal/access_store.h"
#include "simkeep/storage/sqlite/internal/catalog_store.h"
#include "simkeep/storage/sqlite/internal/connection.h"
#include "simkeep/storage/sqlite/internal/ledger_store.h"
#include "simkeep/storage/sqlite/internal/line_store.h"
#include "simkeep/storage/sqlite/internal/order_store.h"
#include "simkeep/storage/sqlite/internal/receipt_store.h"
#include "simkeep/storage/sqlite/limits.h"

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

// SqliteTransaction: each operation lives with its table group in internal/*_store.cc. ----------

Result<domain::Catalog> SqliteTransaction::LoadCatalog() {
  return internal::LoadCatalog(connection_);
}
Result<void> SqliteTransaction::SaveCatalog(const domain::Catalog& catalog) {
  return internal::SaveCatalog(connection_, catalog);
}

Result<std::optional<domain::Line>> SqliteTransaction::FindLine(const LineId& id) {
  return internal::FindLine(connection_, internal::LineKey::kId, id.value);
}
Result<std::optional<domain::Line>> SqliteTransaction::FindLineByIccid(std::string_view iccid) {
  return internal::FindLine(connection_, internal::LineKey::kIccid, iccid);
}
Result<std::optional<domain::Line>> SqliteTransaction::FindLineByMsisdn(std::string_view e164) {
  return internal::FindLine(connection_, internal::LineKey::kMsisdn, e164);
}
Result<std::vector<domain::Line>> SqliteTransaction::ListLines(const app::PageRequest& page) {
  return internal::ListLines(connection_, page);
}
Result<int64_t> SqliteTransaction::CountLines() { return internal::CountLines(connection_); }
Result<void> SqliteTransaction::InsertLine(const domain::Line& line) {
  return internal::InsertLine(connection_, line);
}
Result<void> SqliteTransaction::UpdateLine(const domain::Line& line) {
  return internal::UpdateLine(connection_, line);
}
Result<void> SqliteTransaction::InsertLineEvent(const domain::LineEvent& event) {
  return internal::InsertLineEvent(connection_, event);
}
Result<std::vector<domain::LineEvent>> SqliteTransaction::ListLineEvents(const LineId& line_id,
                                                                         int limit) {
  return internal::ListLineEvents(connection_, line_id, limit);
}
Result<void> SqliteTransaction::InsertBucket(const domain::Bucket& bucket) {
  return internal::InsertBucket(connection_, bucket);
}
Result<std::vector<domain::Bucket>> SqliteTransaction::ListBuckets(const LineId& line_id) {
  return internal::ListBuckets(connection_, line_id);
}

Result<std::optional<ledger::Account>> SqliteTransaction::FindAccount(const AccountId& id) {
  return internal::FindAccount(connection_, id);
}
Result<void> SqliteTransaction::InsertAccount(const ledger::Account& account) {
  return internal::InsertAccount(connection_, account);
}
Result<void> SqliteTransaction::UpdateAccount(const ledger::Account& account) {
  return internal::UpdateAccount(connection_, account);
}
Result<void> SqliteTransaction::InsertTransfer(const ledger::Transfer& transfer) {
  return internal::InsertTransfer(connection_, transfer);
}
Result<std::optional<ledger::Transfer>> SqliteTransaction::FindTransfer(const TransferId& id) {
  return internal::FindTransfer(connection_, id);
}
Result<void> SqliteTransaction::ForEachAccount(
    const std::function<Result<void>(const ledger::Account&)>& callback) {
  return internal::ForEachAccount(connection_, callback);
}
Result<void> SqliteTransaction::ForEachTransfer(
    const std::function<Result<void>(const ledger::Transfer&)>& callback) {
  return internal::ForEachTransfer(connection_, callback);
}

Result<void> SqliteTransaction::ForEachOrder(
    const std::function<Result<void>(const domain::Order&)>& callback) {
  return internal::ForEachOrder(connection_, callback);
}

Result<void> SqliteTransaction::InsertOrder(const domain::Order& order) {
  return internal::InsertOrder(connection_, order);
}
Result<void> SqliteTransaction::UpdateOrder(const domain::Order& order) {
  return internal::UpdateOrder(connection_, order);
}
Result<std::optional<domain::Order>> SqliteTransaction::FindOrder(const OrderId& id) {
  return internal::FindOrder(connection_, id);
}
Result<std::vector<domain::Order>> SqliteTransaction::ListOrders(const LineId& line_id,
                                                                 const app::PageRequest& page) {
  return internal::ListOrders(connection_, line_id, page);
}
Result<void> SqliteTransaction::InsertPayment(const domain::Payment& payment) {
  return internal::InsertPayment(connection_, payment);
}
Result<void> SqliteTransaction::UpdatePayment(const domain::Payment& payment) {
  return internal::UpdatePayment(connection_, payment);
}
Result<std::optional<domain::Payment>> SqliteTransaction::FindPayment(const PaymentId& id) {
  return internal::FindPayment(connection_, internal::PaymentKey::kId, id.value);
}
Result<std::optional<domain::Payment>> SqliteTransaction::FindPaymentByOrder(const OrderId& id) {
  return internal::FindPayment(connection_, internal::PaymentKey::kOrderId, id.value);
}
Result<std::vector<domain::Payment>> SqliteTransaction::ListPendingPayments(int limit) {
  return internal::ListPendingPayments(connection_, limit);
}
Result<int64_t> SqliteTransaction::NextSequenceValue(std::string_view name) {
  return internal::NextSequenceValue(connection_, name);
}
Result<void> SqliteTransaction::InsertReceipt(const domain::Receipt& receipt) {
  return internal::InsertReceipt(connection_, receipt);
}
Result<std::optional<domain::Receipt>> SqliteTransaction::FindReceiptByOrder(const OrderId& id) {
  return internal::FindReceiptByOrder(connection_, id);
}

Result<std::optional<app::IdempotencyRecord>> SqliteTransaction::FindIdempotency(
    std::string_view principal, std::string_view key) {
  return internal::FindIdempotency(connection_, principal, key);
}
Result<void> SqliteTransaction::InsertIdempotency(const app::IdempotencyRecord& record) {
  return internal::InsertIdempotency(connection_, record);
}
Result<void> SqliteTransaction::CompleteIdempotency(std::string_view principal,
                                                    std::string_view key, int response_status,
                                                    std::string_view response_body) {
  return internal::CompleteIdempotency(connection_, principal, key, response_status, response_body);
}
Result<int64_t> SqliteTransaction::DeleteIdempotencyBefore(Timestamp cutoff) {
  return internal::DeleteIdempotencyBefore(connection_, cutoff);
}

Result<void> SqliteTransaction::InsertApiKey(const app::ApiKey& key) {
  return internal::InsertApiKey(connection_, key);
}
Result<std::optional<app::ApiKey>> SqliteTransaction::FindApiKeyByTokenHash(
    std::string_view token_hash) {
  return internal::FindApiKeyByTokenHash(connection_, token_hash);
}

}  // namespace simkeep::storage::sqlite
