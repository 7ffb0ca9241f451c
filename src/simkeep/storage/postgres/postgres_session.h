#ifndef SIMKEEP_STORAGE_POSTGRES_POSTGRES_SESSION_H_
#define SIMKEEP_STORAGE_POSTGRES_POSTGRES_SESSION_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "simkeep/app/ports.h"

namespace simkeep::storage::postgres {

namespace internal {
class Connection;
enum class RowLock;
}  // namespace internal

// The reads and writes of one PostgreSQL transaction: app::Transaction over one connection.
// Every method runs statements prepared once per connection and follows the error conventions
// of app/ports.h; unique-key clashes are told apart by the constraint PostgreSQL names (see
// README.md). Called outside an open transaction, every method returns kUnavailable
// "db_unavailable" and changes nothing.
//
// A write that the database refuses undoes only itself (each write runs in its own savepoint),
// so the transaction goes on as it does in SQLite. In a write transaction the lookups of rows a
// caller may update (FindAccount, FindLine*, FindOrder, FindPayment*) lock them FOR UPDATE until
// the transaction ends; a second session's locking lookup of the same row waits for that (up to
// kLockTimeoutMs, then kUnavailable "db_unavailable"). Read-only transactions never lock.
//
// Owned by its PostgresSession and valid as long as it. Not thread-safe.
class PostgresTransaction final : public app::Transaction {
 public:
  explicit PostgresTransaction(internal::Connection& connection) : connection_(connection) {}

  // Whether lookups lock the rows they find; the session sets it at every Begin().
  void set_lock_rows(bool lock_rows) { lock_rows_ = lock_rows; }

  // Catalog. LoadCatalog returns carriers in CarrierCode order and plans by id, each plan's
  // price versions ascending. SaveCatalog keeps a stored carrier or plan as first saved and only
  // adds price versions; a version whose effective_from is stored with another price is
  // kFailedPrecondition "price_version_conflict". Either way it writes all or nothing.
  Result<domain::Catalog> LoadCatalog() override;
  Result<void> SaveCatalog(const domain::Catalog& catalog) override;

  // Lines. An empty msisdn, plan_id or wallet_account_id is stored as NULL, so any number of
  // lines may lack one. UpdateLine rewrites every field but id and created_at. ListLines and
  // ListLineEvents return at most app::kPageLimitMax and kListRowsMax rows.
  Result<std::optional<domain::Line>> FindLine(const LineId& id) override;
  Result<std::optional<domain::Line>> FindLineByIccid(std::string_view iccid) override;
  Result<std::optional<domain::Line>> FindLineByMsisdn(std::string_view e164) override;
  Result<std::vector<domain::Line>> ListLines(const app::PageRequest& page) override;
  Result<int64_t> CountLines() override;
  Result<void> InsertLine(const domain::Line& line) override;
  Result<void> UpdateLine(const domain::Line& line) override;
  Result<void> InsertLineEvent(const domain::LineEvent& event) override;
  Result<std::vector<domain::LineEvent>> ListLineEvents(const LineId& line_id, int limit) override;
  Result<void> InsertBucket(const domain::Bucket& bucket) override;
  Result<std::vector<domain::Bucket>> ListBuckets(const LineId& line_id) override;

  // Ledger. UpdateAccount writes the four balances only (kind and flags are fixed at insert); a
  // balance that breaks the account's flag, or any negative balance, is refused by the schema:
  // kFailedPrecondition "constraint_violation". A second post or void of one hold is
  // kAlreadyExists "pending_transfer_settled". Transfers stream in write order. The streams
  // read through a server-side cursor, kStreamBatchRows rows per round trip; a callback may use
  // this transaction meanwhile.
  Result<std::optional<ledger::Account>> FindAccount(const AccountId& id) override;
  Result<void> InsertAccount(const ledger::Account& account) override;
  Result<void> UpdateAccount(const ledger::Account& account) override;
  Result<void> InsertTransfer(const ledger::Transfer& transfer) override;
  Result<std::optional<ledger::Transfer>> FindTransfer(const TransferId& id) override;
  Result<void> ForEachAccount(
      const std::function<Result<void>(const ledger::Account&)>& callback) override;
  Result<void> ForEachTransfer(
      const std::function<Result<void>(const ledger::Transfer&)>& callback) override;

  // Orders, payments, receipts. UpdateOrder writes the outcome (status, plan_id, amount_jpy,
  // failure_reason, receipt_number, completed_at); what was asked for is fixed at insert.
  // UpdatePayment writes all but id, order, method and created_at. A ListOrders cursor naming
  // no stored order yields an empty page. One payment per order ("payment_exists").
  // InsertReceipt writes the receipt, its lines and its per-rate totals all or nothing.
  // NextSequenceValue locks the counter's row until the transaction ends, so concurrent
  // transactions take numbers one after the other, without gaps.
  Result<void> InsertOrder(const domain::Order& order) override;
  Result<void> UpdateOrder(const domain::Order& order) override;
  Result<std::optional<domain::Order>> FindOrder(const OrderId& id) override;
  Result<void> ForEachOrder(
      const std::function<Result<void>(const domain::Order&)>& callback) override;
  Result<std::vector<domain::Order>> ListOrders(const LineId& line_id,
                                                const app::PageRequest& page) override;
  Result<void> InsertPayment(const domain::Payment& payment) override;
  Result<void> UpdatePayment(const domain::Payment& payment) override;
  Result<std::optional<domain::Payment>> FindPayment(const PaymentId& id) override;
  Result<std::optional<domain::Payment>> FindPaymentByOrder(const OrderId& id) override;
  Result<std::vector<domain::Payment>> ListPendingPayments(int limit) override;
  Result<int64_t> NextSequenceValue(std::string_view name) override;
  Result<void> InsertReceipt(const domain::Receipt& receipt) override;
  Result<std::optional<domain::Receipt>> FindReceiptByOrder(const OrderId& id) override;

  // Idempotency keys and API keys. A duplicate token hash is kAlreadyExists "api_key_exists".
  Result<std::optional<app::IdempotencyRecord>> FindIdempotency(std::string_view principal,
                                                                std::string_view key) override;
  Result<void> InsertIdempotency(const app::IdempotencyRecord& record) override;
  Result<void> CompleteIdempotency(std::string_view principal, std::string_view key,
                                   int response_status, std::string_view response_body) override;
  Result<int64_t> DeleteIdempotencyBefore(Timestamp cutoff) override;
  Result<void> InsertApiKey(const app::ApiKey& key) override;
  Result<std::optional<app::ApiKey>> FindApiKeyByTokenHash(std::string_view token_hash) override;

 private:
  internal::RowLock Lock() const;

  internal::Connection& connection_;
  bool lock_rows_ = false;
};

// One PostgreSQL connection and the transaction on it: app::Session. Obtained from
// PostgresDatabase::Connect(); owns its connection and closes it on destruction, rolling back a
// transaction still open.
//
// Transactions: Begin(false) is BEGIN ISOLATION LEVEL READ COMMITTED, READ WRITE; its lookups
// lock what they find (see PostgresTransaction). Begin(true) is BEGIN ISOLATION LEVEL
// REPEATABLE READ, READ ONLY: one snapshot for the whole transaction (an audit reads balances
// and transfers as of one moment, as in SQLite), never blocking and never blocked by writers;
// writes in it are refused by the server. Commit() returns once the commit is durable
// (synchronous_commit=on).
//
// Connection loss: when Begin() finds the connection broken, it reconnects once (PQreset) and
// begins on the new connection. A failure inside a transaction is returned as kUnavailable
// "db_unavailable"; after Rollback() (which then succeeds, the server having dropped the
// transaction with the connection) the next Begin() reconnects. A Commit() that loses the
// connection returns "db_unavailable" although the server may have committed: the outcome is
// unknown to the client, as with any database reached over a network.
//
// Savepoints nest up to kSavepointDepthMax. RollbackToSavepoint() undoes everything since the
// innermost open Savepoint() and ends that savepoint, as ReleaseSavepoint() ends it keeping the
// changes; either way the enclosing transaction stays open.
//
// Misuse (Begin twice, Commit or a savepoint without a transaction) returns kInternal. Not
// thread-safe: one thread at a time; the session may move between threads between calls.
class PostgresSession final : public app::Session {
 public:
  explicit PostgresSession(std::unique_ptr<internal::Connection> connection);
  PostgresSession(const PostgresSession&) = delete;
  PostgresSession& operator=(const PostgresSession&) = delete;
  ~PostgresSession() override;

  Result<void> Begin(bool read_only) override;
  // REQUIRES: a transaction is open (Begin succeeded and no Commit or Rollback since).
  app::Transaction& transaction() override;
  Result<void> Savepoint() override;
  Result<void> ReleaseSavepoint() override;
  Result<void> RollbackToSavepoint() override;
  // Errors: kUnavailable "db_unavailable" when the commit failed or the server had already
  // aborted the transaction after an earlier failure (PostgreSQL would turn that COMMIT into a
  // ROLLBACK); the transaction is then rolled back.
  Result<void> Commit() override;
  // Succeeds, changing nothing, when no transaction is open.
  Result<void> Rollback() override;

  // Runs `sql` (one or more statements) as is, inside or outside a transaction. For tests that
  // check what the database itself refuses (updating a receipt, a negative wallet row). A
  // failure here aborts the transaction: only Rollback() or RollbackToSavepoint() help then.
  Result<void> ExecuteForTest(std::string_view sql);
  // The server process of the current connection, for tests that break it.
  int BackendPidForTest() const;

 private:
  Result<void> ExecuteControl(const std::string& sql);

  std::unique_ptr<internal::Connection> connection_;
  PostgresTransaction transaction_;
  bool active_ = false;
  int savepoint_depth_ = 0;
};

}  // namespace simkeep::storage::postgres

#endif  // SIMKEEP_STORAGE_POSTGRES_POSTGRES_SESSION_H_
