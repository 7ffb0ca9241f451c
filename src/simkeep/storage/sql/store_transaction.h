#ifndef SIMKEEP_STORAGE_SQL_STORE_TRANSACTION_H_
#define SIMKEEP_STORAGE_SQL_STORE_TRANSACTION_H_

// app::Transaction written once for every SQL adapter: a class template over the adapter's
// connection and dialect whose methods run the queries of the table stores (*_store.h).
//
// Only the declaration is here, so that an adapter's public session header can hold a
// StoreTransaction by value without seeing its database's headers or the query code. The member
// functions are in store_transaction_impl.h, which each adapter includes in one source file of
// its own, where it instantiates the template once (`template class StoreTransaction<...>;`);
// the public header declares that instantiation `extern` so no other file compiles it again.

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "simkeep/app/ports.h"

namespace simkeep::storage::sql {

enum class RowLock;  // rows.h

// The reads and writes of one transaction: app::Transaction over one connection of an adapter.
// Every method follows the error conventions of app/ports.h; unique-key clashes are told apart
// by the key the database names (the adapter maps it; see storage/README.md for the reasons).
// Called outside an open transaction, every method returns kUnavailable "db_unavailable" and
// changes nothing.
//
// `Connection` is the adapter's connection, a SqlConnection (statement.h). `Dialect` says where
// the adapter's database needs the shared SQL used differently; it holds
//   static constexpr bool kLockRowsForUpdate;
// true where several processes write one database that locks rows rather than the whole
// database (PostgreSQL): in a writable transaction, the lookups of rows a caller may update
// (FindAccount, FindLine*, FindOrder, FindPayment*) then read them FOR UPDATE, holding the lock
// until the transaction ends. SQLite's write transaction already holds the only write lock.
//
// Owned by its adapter's session and valid as long as it. Not thread-safe.
template <typename Connection, typename Dialect>
class StoreTransaction final : public app::Transaction {
 public:
  explicit StoreTransaction(Connection& connection) : connection_(connection) {}

  // Whether the open transaction may write; the session sets it at every Begin().
  void set_writable(bool writable) { writable_ = writable; }

  // Catalog. LoadCatalog returns carriers in CarrierCode order and plans by id, each plan's
  // price versions ascending. SaveCatalog keeps a stored carrier or plan as first saved and only
  // adds price versions; a version whose effective_from is stored with another price is
  // kFailedPrecondition "price_version_conflict". Either way it writes all or nothing.
  Result<domain::Catalog> LoadCatalog() override;
  Result<void> SaveCatalog(const domain::Catalog& catalog) override;

  // Lines. An empty msisdn, plan_id or wallet_account_id is stored as NULL, so any number of
  // lines may lack one. UpdateLine rewrites every field but id and created_at. ListLines and
  // ListLineEvents return at most app::kPageLimitMax and kListRowsMax (limits.h) rows.
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
  Result<std::optional<domain::Line>> FindLineByImsi(std::string_view imsi) override;
  Result<std::vector<std::string>> FindStoredUsageIds(const std::vector<std::string>& ids) override;
  Result<void> InsertUsageRecord(const domain::AppliedUsage& applied) override;
  Result<std::vector<domain::UsageDay>> ListUsageDays(const LineId& line_id, Timestamp from_day,
                                                      Timestamp to_day) override;
  Result<void> AddUsageDay(const LineId& line_id, const domain::UsageDay& add) override;
  Result<std::optional<domain::LineUsage>> FindLineUsage(const LineId& line_id) override;
  Result<void> SaveLineUsage(const domain::LineUsage& usage) override;
  Result<int64_t> SumUsageCharges(const LineId& line_id, Timestamp from, Timestamp to) override;
  Result<void> InsertUsageCharge(const domain::UsageCharge& charge) override;
  Result<std::optional<domain::UsageCharge>> FindUsageCharge(const std::string& charge_id) override;
  Result<void> UpdateBucketRemaining(const BucketId& id, int64_t remaining) override;
  Result<void> InsertNumberQuarantine(const domain::NumberQuarantine& hold) override;
  Result<std::optional<domain::NumberQuarantine>> FindNumberQuarantine(
      std::string_view e164) override;

  // Ledger. UpdateAccount writes the four balances only (kind and flags are fixed at insert); a
  // balance that breaks the account's flag, or any negative balance, is refused by the schema:
  // kFailedPrecondition "constraint_violation". A second post or void of one hold is
  // kAlreadyExists "pending_transfer_settled". Transfers stream in write order; a callback may
  // use this transaction meanwhile.
  Result<std::optional<ledger::Account>> FindAccount(const AccountId& id) override;
  Result<void> InsertAccount(const ledger::Account& account) override;
  Result<void> UpdateAccount(const ledger::Account& account) override;
  Result<void> InsertTransfer(const ledger::Transfer& transfer) override;
  Result<std::optional<ledger::Transfer>> FindTransfer(const TransferId& id) override;
  Result<std::vector<ledger::Transfer>> ListTransfersByReference(
      std::string_view reference) override;
  Result<void> ForEachAccount(
      const std::function<Result<void>(const ledger::Account&)>& callback) override;
  Result<void> ForEachTransfer(
      const std::function<Result<void>(const ledger::Transfer&)>& callback) override;

  // Orders, payments, receipts. UpdateOrder writes the outcome (status, plan_id, amount_jpy,
  // failure_reason, receipt_number, completed_at); what was asked for is fixed at insert.
  // UpdatePayment writes all but id, order, method and created_at. A ListOrders cursor naming
  // no stored order yields an empty page. At most one open or collected payment per order
  // ("payment_live_exists"). FindRefund and FindSandboxCharge lock like FindPayment.
  // InsertReceipt writes the receipt, its lines and its per-rate totals all or nothing.
  // NextSequenceValue holds the counter's row until the transaction ends, so concurrent
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
  Result<std::vector<domain::Payment>> ListPaymentsForOrder(const OrderId& id) override;
  Result<std::vector<domain::Payment>> ListPaymentsDue(Timestamp now, int limit) override;
  Result<std::vector<domain::Payment>> ListPaymentsSucceededBetween(Timestamp from,
                                                                    Timestamp to) override;
  Result<void> InsertRefund(const domain::Refund& refund) override;
  Result<void> UpdateRefund(const domain::Refund& refund) override;
  Result<std::optional<domain::Refund>> FindRefund(const RefundId& id) override;
  Result<std::vector<domain::Refund>> ListRefunds(const PaymentId& payment_id) override;
  Result<std::vector<domain::Refund>> ListPendingRefunds(int limit) override;
  Result<void> InsertWebhookDelivery(const app::StoredWebhook& delivery) override;
  Result<void> InsertSandboxCharge(const app::SandboxCharge& charge) override;
  Result<void> UpdateSandboxCharge(const app::SandboxCharge& charge) override;
  Result<std::optional<app::SandboxCharge>> FindSandboxCharge(const PaymentId& id) override;
  Result<std::vector<app::SandboxCharge>> ListSandboxChargesCaptured(Timestamp from,
                                                                     Timestamp to) override;
  Result<void> InsertSandboxRefund(const RefundId& id, const PaymentId& payment_id,
                                   int64_t amount_jpy, Timestamp at) override;
  Result<std::optional<int64_t>> FindSandboxRefund(const RefundId& id) override;
  Result<void> InsertSavedMethod(const domain::SavedPaymentMethod& saved) override;
  Result<void> UpdateSavedMethod(const domain::SavedPaymentMethod& saved) override;
  Result<std::optional<domain::SavedPaymentMethod>> FindSavedMethod(
      const SavedMethodId& id) override;
  Result<std::vector<domain::SavedPaymentMethod>> ListSavedMethods(const LineId& line_id) override;
  Result<std::vector<domain::SavedPaymentMethod>> ListSavedMethodsToSettle(Timestamp pending_before,
                                                                           int limit) override;
  Result<void> InsertSandboxSavedCard(const app::SandboxSavedCard& card) override;
  Result<std::optional<app::SandboxSavedCard>> FindSandboxSavedCard(
      std::string_view token, const SavedMethodId& saved_method_id) override;
  Result<void> DeleteSandboxSavedCard(std::string_view token, Timestamp at) override;
  Result<std::vector<domain::Line>> ListLinesExpiredBy(domain::LineState state,
                                                       domain::CarrierCode carrier,
                                                       Timestamp expired_by, int limit) override;
  Result<void> UpsertAutoRenewal(const domain::AutoRenewal& setting) override;
  Result<std::optional<domain::AutoRenewal>> FindAutoRenewal(const LineId& line_id) override;
  Result<std::vector<app::DueAutoRenewal>> ListDueAutoRenewals(Timestamp expiring_by,
                                                               int limit) override;
  Result<void> InsertSchedulerJob(const domain::SchedulerJob& job) override;
  Result<void> UpdateSchedulerJob(const domain::SchedulerJob& job) override;
  Result<std::optional<domain::SchedulerJob>> FindSchedulerJob(std::string_view kind,
                                                               const LineId& line_id,
                                                               Timestamp period_end) override;
  Result<std::vector<domain::SchedulerJob>> ListSchedulerJobs(domain::JobStatus status,
                                                              Timestamp due_by, int limit) override;
  Result<int64_t> SumAutoRenewalCharges(const LineId& line_id, Timestamp from,
                                        Timestamp to) override;

  // Notifications, webhook endpoints and the scheduler's cursors.
  Result<void> UpsertNotificationSettings(const domain::NotificationSettings& settings) override;
  Result<std::optional<domain::NotificationSettings>> FindNotificationSettings(
      const LineId& line_id) override;
  Result<void> InsertNotification(const domain::Notification& notification) override;
  Result<void> UpdateNotification(const domain::Notification& notification) override;
  Result<std::optional<domain::Notification>> FindNotification(std::string_view id) override;
  Result<std::vector<domain::Notification>> ListNotificationsDue(Timestamp due_by,
                                                                 int limit) override;
  Result<std::vector<domain::Notification>> ListNotificationsByStatus(
      domain::NotificationStatus status, const app::PageRequest& page) override;
  Result<std::vector<domain::Notification>> ListLineNotifications(
      const LineId& line_id, domain::NotificationChannel channel,
      const app::PageRequest& page) override;
  Result<void> InsertWebhookEndpoint(const domain::WebhookEndpoint& endpoint) override;
  Result<void> DisableWebhookEndpoint(std::string_view id, Timestamp at) override;
  Result<std::optional<domain::WebhookEndpoint>> FindWebhookEndpoint(std::string_view id) override;
  Result<std::vector<domain::WebhookEndpoint>> ListWebhookEndpoints() override;
  Result<std::optional<Timestamp>> FindSchedulerCursor(std::string_view name) override;
  Result<void> SetSchedulerCursor(std::string_view name, Timestamp position) override;
  Result<std::vector<domain::Bucket>> ListExpiredBuckets(Timestamp from, Timestamp until,
                                                         int limit) override;
  Result<bool> NoteBucketExpired(const BucketId& id, Timestamp at) override;
  Result<std::vector<domain::Line>> ListLinesExpiringBetween(domain::LineState state,
                                                             domain::CarrierCode carrier,
                                                             const app::RangeCursor& after,
                                                             Timestamp until, int limit) override;
  Result<std::vector<domain::Payment>> ListPaymentsDueBetween(const app::RangeCursor& after,
                                                              Timestamp until, int limit) override;
  Result<int64_t> NextSequenceValue(std::string_view name) override;
  Result<void> InsertReceipt(const domain::Receipt& receipt) override;
  Result<std::optional<domain::Receipt>> FindReceiptByOrder(const OrderId& id) override;

  // Quota reservations (reservation_store.h).
  Result<void> InsertReservation(const domain::Reservation& reservation) override;
  Result<std::optional<domain::Reservation>> FindReservation(
      const domain::ReservationId& id) override;
  Result<std::optional<domain::Reservation>> FindReservationByRequest(
      std::string_view session_id, int64_t request_number) override;
  Result<void> SettleReservation(const domain::Reservation& reservation) override;
  Result<std::vector<domain::ReservationHold>> ListReservationHolds(const LineId& line_id,
                                                                    Timestamp now) override;
  Result<int64_t> ExpireReservations(Timestamp now, int limit) override;

  // Idempotency keys and API keys. A duplicate token hash is kAlreadyExists "api_key_exists".
  Result<std::optional<app::IdempotencyRecord>> FindIdempotency(std::string_view principal,
                                                                std::string_view key) override;
  Result<void> InsertIdempotency(const app::IdempotencyRecord& record) override;
  Result<void> CompleteIdempotency(std::string_view principal, std::string_view key,
                                   int response_status, std::string_view response_body) override;
  Result<int64_t> DeleteIdempotencyBefore(Timestamp cutoff) override;
  Result<void> InsertApiKey(const app::ApiKey& key) override;
  Result<std::optional<app::ApiKey>> FindApiKeyByTokenHash(std::string_view token_hash) override;
  Result<void> RevokeApiKey(const ApiKeyId& id, Timestamp at) override;

 private:
  // How the lookups of rows a caller may update lock them (see the class comment).
  RowLock Lock() const;

  Connection& connection_;
  bool writable_ = false;
};

}  // namespace simkeep::storage::sql

#endif  // SIMKEEP_STORAGE_SQL_STORE_TRANSACTION_H_
