#ifndef SIMKEEP_STORAGE_SQL_STORE_TRANSACTION_IMPL_H_
#define SIMKEEP_STORAGE_SQL_STORE_TRANSACTION_IMPL_H_

// The member functions of StoreTransaction. Included by exactly one source file of each adapter,
// the one that instantiates StoreTransaction for its connection (see store_transaction.h); the
// whole query code is compiled there, once per adapter.

#include "simkeep/storage/sql/access_store.h"
#include "simkeep/storage/sql/automation_store.h"
#include "simkeep/storage/sql/catalog_store.h"
#include "simkeep/storage/sql/ledger_store.h"
#include "simkeep/storage/sql/line_store.h"
#include "simkeep/storage/sql/notification_store.h"
#include "simkeep/storage/sql/order_store.h"
#include "simkeep/storage/sql/payment_store.h"
#include "simkeep/storage/sql/receipt_store.h"
#include "simkeep/storage/sql/reservation_store.h"
#include "simkeep/storage/sql/rows.h"
#include "simkeep/storage/sql/saved_method_store.h"
#include "simkeep/storage/sql/statement.h"
#include "simkeep/storage/sql/store_transaction.h"
#include "simkeep/storage/sql/usage_store.h"

namespace simkeep::storage::sql {

template <typename Connection, typename Dialect>
RowLock StoreTransaction<Connection, Dialect>::Lock() const {
  static_assert(SqlConnection<Connection>, "see statement.h for what a connection must offer");
  // Only a database that locks rows needs them locked; SQLite would not even parse FOR UPDATE.
  if constexpr (Dialect::kLockRowsForUpdate) {
    return writable_ ? RowLock::kForUpdate : RowLock::kNone;
  } else {
    return RowLock::kNone;
  }
}

// Each method is the query of the same name in the table stores.

template <typename Connection, typename Dialect>
Result<domain::Catalog> StoreTransaction<Connection, Dialect>::LoadCatalog() {
  return sql::LoadCatalog(connection_);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::SaveCatalog(const domain::Catalog& catalog) {
  return sql::SaveCatalog(connection_, catalog);
}

template <typename Connection, typename Dialect>
Result<std::optional<domain::Line>> StoreTransaction<Connection, Dialect>::FindLine(
    const LineId& id) {
  return sql::FindLine(connection_, LineKey::kId, id.value, Lock());
}

template <typename Connection, typename Dialect>
Result<std::optional<domain::Line>> StoreTransaction<Connection, Dialect>::FindLineByIccid(
    std::string_view iccid) {
  return sql::FindLine(connection_, LineKey::kIccid, iccid, Lock());
}

template <typename Connection, typename Dialect>
Result<std::optional<domain::Line>> StoreTransaction<Connection, Dialect>::FindLineByMsisdn(
    std::string_view e164) {
  return sql::FindLine(connection_, LineKey::kMsisdn, e164, Lock());
}

template <typename Connection, typename Dialect>
Result<std::vector<domain::Line>> StoreTransaction<Connection, Dialect>::ListLines(
    const app::PageRequest& page) {
  return sql::ListLines(connection_, page);
}

template <typename Connection, typename Dialect>
Result<int64_t> StoreTransaction<Connection, Dialect>::CountLines() {
  return sql::CountLines(connection_);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::InsertLine(const domain::Line& line) {
  return sql::InsertLine(connection_, line);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::UpdateLine(const domain::Line& line) {
  return sql::UpdateLine(connection_, line);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::InsertLineEvent(
    const domain::LineEvent& event) {
  return sql::InsertLineEvent(connection_, event);
}

template <typename Connection, typename Dialect>
Result<std::vector<domain::LineEvent>> StoreTransaction<Connection, Dialect>::ListLineEvents(
    const LineId& line_id, int limit) {
  return sql::ListLineEvents(connection_, line_id, limit);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::InsertBucket(const domain::Bucket& bucket) {
  return sql::InsertBucket(connection_, bucket);
}

template <typename Connection, typename Dialect>
Result<std::vector<domain::Bucket>> StoreTransaction<Connection, Dialect>::ListBuckets(
    const LineId& line_id) {
  return sql::ListBuckets(connection_, line_id);
}

template <typename Connection, typename Dialect>
Result<std::optional<domain::Line>> StoreTransaction<Connection, Dialect>::FindLineByImsi(
    std::string_view imsi) {
  return sql::FindLine(connection_, LineKey::kImsi, imsi, Lock());
}

template <typename Connection, typename Dialect>
Result<std::vector<std::string>> StoreTransaction<Connection, Dialect>::FindStoredUsageIds(
    const std::vector<std::string>& ids) {
  return sql::FindStoredUsageIds(connection_, ids);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::InsertUsageRecord(
    const domain::AppliedUsage& applied) {
  return sql::InsertUsageRecord(connection_, applied);
}

template <typename Connection, typename Dialect>
Result<std::vector<domain::UsageDay>> StoreTransaction<Connection, Dialect>::ListUsageDays(
    const LineId& line_id, Timestamp from_day, Timestamp to_day) {
  return sql::ListUsageDays(connection_, line_id, from_day, to_day);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::AddUsageDay(const LineId& line_id,
                                                                const domain::UsageDay& add) {
  return sql::AddUsageDay(connection_, line_id, add);
}

template <typename Connection, typename Dialect>
Result<std::optional<domain::LineUsage>> StoreTransaction<Connection, Dialect>::FindLineUsage(
    const LineId& line_id) {
  return sql::FindLineUsage(connection_, line_id);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::SaveLineUsage(const domain::LineUsage& usage) {
  return sql::SaveLineUsage(connection_, usage);
}

template <typename Connection, typename Dialect>
Result<int64_t> StoreTransaction<Connection, Dialect>::SumUsageCharges(const LineId& line_id,
                                                                       Timestamp from,
                                                                       Timestamp to) {
  return sql::SumUsageCharges(connection_, line_id, from, to);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::InsertUsageCharge(
    const domain::UsageCharge& charge) {
  return sql::InsertUsageCharge(connection_, charge);
}

template <typename Connection, typename Dialect>
Result<std::optional<domain::UsageCharge>> StoreTransaction<Connection, Dialect>::FindUsageCharge(
    const std::string& charge_id) {
  return sql::FindUsageCharge(connection_, charge_id);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::UpdateBucketRemaining(const BucketId& id,
                                                                          int64_t remaining) {
  return sql::UpdateBucketRemaining(connection_, id, remaining);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::InsertNumberQuarantine(
    const domain::NumberQuarantine& hold) {
  return sql::InsertNumberQuarantine(connection_, hold);
}

template <typename Connection, typename Dialect>
Result<std::optional<domain::NumberQuarantine>>
StoreTransaction<Connection, Dialect>::FindNumberQuarantine(std::string_view e164) {
  return sql::FindNumberQuarantine(connection_, e164);
}

template <typename Connection, typename Dialect>
Result<std::optional<ledger::Account>> StoreTransaction<Connection, Dialect>::FindAccount(
    const AccountId& id) {
  return sql::FindAccount(connection_, id, Lock());
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::InsertAccount(const ledger::Account& account) {
  return sql::InsertAccount(connection_, account);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::UpdateAccount(const ledger::Account& account) {
  return sql::UpdateAccount(connection_, account);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::InsertTransfer(
    const ledger::Transfer& transfer) {
  return sql::InsertTransfer(connection_, transfer);
}

template <typename Connection, typename Dialect>
Result<std::optional<ledger::Transfer>> StoreTransaction<Connection, Dialect>::FindTransfer(
    const TransferId& id) {
  return sql::FindTransfer(connection_, id);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::ForEachAccount(
    const std::function<Result<void>(const ledger::Account&)>& callback) {
  return sql::ForEachAccount(connection_, callback);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::ForEachTransfer(
    const std::function<Result<void>(const ledger::Transfer&)>& callback) {
  return sql::ForEachTransfer(connection_, callback);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::ForEachOrder(
    const std::function<Result<void>(const domain::Order&)>& callback) {
  return sql::ForEachOrder(connection_, callback);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::InsertOrder(const domain::Order& order) {
  return sql::InsertOrder(connection_, order);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::UpdateOrder(const domain::Order& order) {
  return sql::UpdateOrder(connection_, order);
}

template <typename Connection, typename Dialect>
Result<std::optional<domain::Order>> StoreTransaction<Connection, Dialect>::FindOrder(
    const OrderId& id) {
  return sql::FindOrder(connection_, id, Lock());
}

template <typename Connection, typename Dialect>
Result<std::vector<domain::Order>> StoreTransaction<Connection, Dialect>::ListOrders(
    const LineId& line_id, const app::PageRequest& page) {
  return sql::ListOrders(connection_, line_id, page);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::InsertPayment(const domain::Payment& payment) {
  return sql::InsertPayment(connection_, payment);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::UpdatePayment(const domain::Payment& payment) {
  return sql::UpdatePayment(connection_, payment);
}

template <typename Connection, typename Dialect>
Result<std::optional<domain::Payment>> StoreTransaction<Connection, Dialect>::FindPayment(
    const PaymentId& id) {
  return sql::FindPayment(connection_, PaymentKey::kId, id.value, Lock());
}

template <typename Connection, typename Dialect>
Result<std::optional<domain::Payment>> StoreTransaction<Connection, Dialect>::FindPaymentByOrder(
    const OrderId& id) {
  return sql::FindPayment(connection_, PaymentKey::kOrderId, id.value, Lock());
}

template <typename Connection, typename Dialect>
Result<std::vector<domain::Payment>> StoreTransaction<Connection, Dialect>::ListPendingPayments(
    int limit) {
  return sql::ListPendingPayments(connection_, limit);
}

template <typename Connection, typename Dialect>
Result<std::vector<domain::Payment>> StoreTransaction<Connection, Dialect>::ListPaymentsForOrder(
    const OrderId& id) {
  return sql::ListPaymentsForOrder(connection_, id);
}

template <typename Connection, typename Dialect>
Result<std::vector<domain::Payment>> StoreTransaction<Connection, Dialect>::ListPaymentsDue(
    Timestamp now, int limit) {
  return sql::ListPaymentsDue(connection_, now, limit);
}

template <typename Connection, typename Dialect>
Result<std::vector<domain::Payment>>
StoreTransaction<Connection, Dialect>::ListPaymentsSucceededBetween(Timestamp from, Timestamp to) {
  return sql::ListPaymentsSucceededBetween(connection_, from, to);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::InsertRefund(const domain::Refund& refund) {
  return sql::InsertRefund(connection_, refund);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::UpdateRefund(const domain::Refund& refund) {
  return sql::UpdateRefund(connection_, refund);
}

template <typename Connection, typename Dialect>
Result<std::optional<domain::Refund>> StoreTransaction<Connection, Dialect>::FindRefund(
    const RefundId& id) {
  return sql::FindRefund(connection_, id, Lock());
}

template <typename Connection, typename Dialect>
Result<std::vector<domain::Refund>> StoreTransaction<Connection, Dialect>::ListRefunds(
    const PaymentId& payment_id) {
  return sql::ListRefunds(connection_, payment_id);
}

template <typename Connection, typename Dialect>
Result<std::vector<domain::Refund>> StoreTransaction<Connection, Dialect>::ListPendingRefunds(
    int limit) {
  return sql::ListPendingRefunds(connection_, limit);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::InsertWebhookDelivery(
    const app::StoredWebhook& delivery) {
  return sql::InsertWebhookDelivery(connection_, delivery);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::InsertSandboxCharge(
    const app::SandboxCharge& charge) {
  return sql::InsertSandboxCharge(connection_, charge);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::UpdateSandboxCharge(
    const app::SandboxCharge& charge) {
  return sql::UpdateSandboxCharge(connection_, charge);
}

template <typename Connection, typename Dialect>
Result<std::optional<app::SandboxCharge>> StoreTransaction<Connection, Dialect>::FindSandboxCharge(
    const PaymentId& id) {
  return sql::FindSandboxCharge(connection_, id, Lock());
}

template <typename Connection, typename Dialect>
Result<std::vector<app::SandboxCharge>>
StoreTransaction<Connection, Dialect>::ListSandboxChargesCaptured(Timestamp from, Timestamp to) {
  return sql::ListSandboxChargesCaptured(connection_, from, to);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::InsertSandboxRefund(const RefundId& id,
                                                                        const PaymentId& payment_id,
                                                                        int64_t amount_jpy,
                                                                        Timestamp at) {
  return sql::InsertSandboxRefund(connection_, id, payment_id, amount_jpy, at);
}

template <typename Connection, typename Dialect>
Result<std::optional<int64_t>> StoreTransaction<Connection, Dialect>::FindSandboxRefund(
    const RefundId& id) {
  return sql::FindSandboxRefund(connection_, id);
}

template <typename Connection, typename Dialect>
Result<std::vector<domain::Line>> StoreTransaction<Connection, Dialect>::ListLinesExpiredBy(
    domain::LineState state, domain::CarrierCode carrier, Timestamp expired_by, int limit) {
  return sql::ListLinesExpiredBy(connection_, state, carrier, expired_by, limit);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::UpsertAutoRenewal(
    const domain::AutoRenewal& setting) {
  return sql::UpsertAutoRenewal(connection_, setting);
}

template <typename Connection, typename Dialect>
Result<std::optional<domain::AutoRenewal>> StoreTransaction<Connection, Dialect>::FindAutoRenewal(
    const LineId& line_id) {
  return sql::FindAutoRenewal(connection_, line_id, Lock());
}

template <typename Connection, typename Dialect>
Result<std::vector<app::DueAutoRenewal>> StoreTransaction<Connection, Dialect>::ListDueAutoRenewals(
    Timestamp expiring_by, int limit) {
  return sql::ListDueAutoRenewals(connection_, expiring_by, limit);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::InsertSchedulerJob(
    const domain::SchedulerJob& job) {
  return sql::InsertSchedulerJob(connection_, job);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::UpdateSchedulerJob(
    const domain::SchedulerJob& job) {
  return sql::UpdateSchedulerJob(connection_, job);
}

template <typename Connection, typename Dialect>
Result<std::optional<domain::SchedulerJob>> StoreTransaction<Connection, Dialect>::FindSchedulerJob(
    std::string_view kind, const LineId& line_id, Timestamp period_end) {
  return sql::FindSchedulerJob(connection_, kind, line_id, period_end, Lock());
}

template <typename Connection, typename Dialect>
Result<std::vector<domain::SchedulerJob>> StoreTransaction<Connection, Dialect>::ListSchedulerJobs(
    domain::JobStatus status, Timestamp due_by, int limit) {
  return sql::ListSchedulerJobs(connection_, status, due_by, limit);
}

template <typename Connection, typename Dialect>
Result<int64_t> StoreTransaction<Connection, Dialect>::SumAutoRenewalCharges(const LineId& line_id,
                                                                             Timestamp from,
                                                                             Timestamp to) {
  return sql::SumAutoRenewalCharges(connection_, line_id, from, to);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::UpsertNotificationSettings(
    const domain::NotificationSettings& settings) {
  return sql::UpsertNotificationSettings(connection_, settings);
}

template <typename Connection, typename Dialect>
Result<std::optional<domain::NotificationSettings>>
StoreTransaction<Connection, Dialect>::FindNotificationSettings(const LineId& line_id) {
  return sql::FindNotificationSettings(connection_, line_id);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::InsertNotification(
    const domain::Notification& notification) {
  return sql::InsertNotification(connection_, notification);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::UpdateNotification(
    const domain::Notification& notification) {
  return sql::UpdateNotification(connection_, notification);
}

template <typename Connection, typename Dialect>
Result<std::optional<domain::Notification>> StoreTransaction<Connection, Dialect>::FindNotification(
    std::string_view id) {
  return sql::FindNotification(connection_, id, Lock());
}

template <typename Connection, typename Dialect>
Result<std::vector<domain::Notification>>
StoreTransaction<Connection, Dialect>::ListNotificationsDue(Timestamp due_by, int limit) {
  return sql::ListNotificationsDue(connection_, due_by, limit);
}

template <typename Connection, typename Dialect>
Result<std::vector<domain::Notification>>
StoreTransaction<Connection, Dialect>::ListNotificationsByStatus(domain::NotificationStatus status,
                                                                 const app::PageRequest& page) {
  return sql::ListNotificationsByStatus(connection_, status, page);
}

template <typename Connection, typename Dialect>
Result<std::vector<domain::Notification>>
StoreTransaction<Connection, Dialect>::ListLineNotifications(const LineId& line_id,
                                                             domain::NotificationChannel channel,
                                                             const app::PageRequest& page) {
  return sql::ListLineNotifications(connection_, line_id, channel, page);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::InsertWebhookEndpoint(
    const domain::WebhookEndpoint& endpoint) {
  return sql::InsertWebhookEndpoint(connection_, endpoint);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::DisableWebhookEndpoint(std::string_view id,
                                                                           Timestamp at) {
  return sql::DisableWebhookEndpoint(connection_, id, at);
}

template <typename Connection, typename Dialect>
Result<std::optional<domain::WebhookEndpoint>>
StoreTransaction<Connection, Dialect>::FindWebhookEndpoint(std::string_view id) {
  return sql::FindWebhookEndpoint(connection_, id);
}

template <typename Connection, typename Dialect>
Result<std::vector<domain::WebhookEndpoint>>
StoreTransaction<Connection, Dialect>::ListWebhookEndpoints() {
  return sql::ListWebhookEndpoints(connection_);
}

template <typename Connection, typename Dialect>
Result<std::optional<Timestamp>> StoreTransaction<Connection, Dialect>::FindSchedulerCursor(
    std::string_view name) {
  return sql::FindSchedulerCursor(connection_, name);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::SetSchedulerCursor(std::string_view name,
                                                                       Timestamp position) {
  return sql::SetSchedulerCursor(connection_, name, position);
}

template <typename Connection, typename Dialect>
Result<std::vector<domain::Bucket>> StoreTransaction<Connection, Dialect>::ListExpiredBuckets(
    Timestamp from, Timestamp until, int limit) {
  return sql::ListExpiredBuckets(connection_, from, until, limit);
}

template <typename Connection, typename Dialect>
Result<bool> StoreTransaction<Connection, Dialect>::NoteBucketExpired(const BucketId& id,
                                                                      Timestamp at) {
  return sql::NoteBucketExpired(connection_, id, at);
}

template <typename Connection, typename Dialect>
Result<std::vector<domain::Line>> StoreTransaction<Connection, Dialect>::ListLinesExpiringBetween(
    domain::LineState state, domain::CarrierCode carrier, const app::RangeCursor& after,
    Timestamp until, int limit) {
  return sql::ListLinesExpiringBetween(connection_, state, carrier, after, until, limit);
}

template <typename Connection, typename Dialect>
Result<std::vector<domain::Payment>> StoreTransaction<Connection, Dialect>::ListPaymentsDueBetween(
    const app::RangeCursor& after, Timestamp until, int limit) {
  return sql::ListPaymentsDueBetween(connection_, after, until, limit);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::InsertSavedMethod(
    const domain::SavedPaymentMethod& saved) {
  return sql::InsertSavedMethod(connection_, saved);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::UpdateSavedMethod(
    const domain::SavedPaymentMethod& saved) {
  return sql::UpdateSavedMethod(connection_, saved);
}

template <typename Connection, typename Dialect>
Result<std::optional<domain::SavedPaymentMethod>>
StoreTransaction<Connection, Dialect>::FindSavedMethod(const SavedMethodId& id) {
  return sql::FindSavedMethod(connection_, id, Lock());
}

template <typename Connection, typename Dialect>
Result<std::vector<domain::SavedPaymentMethod>>
StoreTransaction<Connection, Dialect>::ListSavedMethods(const LineId& line_id) {
  return sql::ListSavedMethods(connection_, line_id);
}

template <typename Connection, typename Dialect>
Result<std::vector<domain::SavedPaymentMethod>>
StoreTransaction<Connection, Dialect>::ListSavedMethodsToSettle(Timestamp pending_before,
                                                                int limit) {
  return sql::ListSavedMethodsToSettle(connection_, pending_before, limit);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::InsertSandboxSavedCard(
    const app::SandboxSavedCard& card) {
  return sql::InsertSandboxSavedCard(connection_, card);
}

template <typename Connection, typename Dialect>
Result<std::optional<app::SandboxSavedCard>>
StoreTransaction<Connection, Dialect>::FindSandboxSavedCard(std::string_view token,
                                                            const SavedMethodId& saved_method_id) {
  return sql::FindSandboxSavedCard(connection_, token, saved_method_id);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::DeleteSandboxSavedCard(std::string_view token,
                                                                           Timestamp at) {
  return sql::DeleteSandboxSavedCard(connection_, token, at);
}

template <typename Connection, typename Dialect>
Result<std::vector<ledger::Transfer>>
StoreTransaction<Connection, Dialect>::ListTransfersByReference(std::string_view reference) {
  return sql::ListTransfersByReference(connection_, reference);
}

template <typename Connection, typename Dialect>
Result<int64_t> StoreTransaction<Connection, Dialect>::NextSequenceValue(std::string_view name) {
  return sql::NextSequenceValue(connection_, name);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::InsertReceipt(const domain::Receipt& receipt) {
  return sql::InsertReceipt(connection_, receipt);
}

template <typename Connection, typename Dialect>
Result<std::optional<domain::Receipt>> StoreTransaction<Connection, Dialect>::FindReceiptByOrder(
    const OrderId& id) {
  return sql::FindReceiptByOrder(connection_, id);
}

template <typename Connection, typename Dialect>
Result<std::optional<app::IdempotencyRecord>>
StoreTransaction<Connection, Dialect>::FindIdempotency(std::string_view principal,
                                                       std::string_view key) {
  return sql::FindIdempotency(connection_, principal, key);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::InsertIdempotency(
    const app::IdempotencyRecord& record) {
  return sql::InsertIdempotency(connection_, record);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::CompleteIdempotency(
    std::string_view principal, std::string_view key, int response_status,
    std::string_view response_body) {
  return sql::CompleteIdempotency(connection_, principal, key, response_status, response_body);
}

template <typename Connection, typename Dialect>
Result<int64_t> StoreTransaction<Connection, Dialect>::DeleteIdempotencyBefore(Timestamp cutoff) {
  return sql::DeleteIdempotencyBefore(connection_, cutoff);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::InsertApiKey(const app::ApiKey& key) {
  return sql::InsertApiKey(connection_, key);
}

template <typename Connection, typename Dialect>
Result<std::optional<app::ApiKey>> StoreTransaction<Connection, Dialect>::FindApiKeyByTokenHash(
    std::string_view token_hash) {
  return sql::FindApiKeyByTokenHash(connection_, token_hash);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::RevokeApiKey(const ApiKeyId& id, Timestamp at) {
  return sql::RevokeApiKey(connection_, id, at);
}

// Quota reservations.

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::InsertReservation(
    const domain::Reservation& reservation) {
  return sql::InsertReservation(connection_, reservation);
}

template <typename Connection, typename Dialect>
Result<std::optional<domain::Reservation>> StoreTransaction<Connection, Dialect>::FindReservation(
    const domain::ReservationId& id) {
  return sql::FindReservation(connection_, id, Lock());
}

template <typename Connection, typename Dialect>
Result<std::optional<domain::Reservation>>
StoreTransaction<Connection, Dialect>::FindReservationByRequest(std::string_view session_id,
                                                                int64_t request_number) {
  return sql::FindReservationByRequest(connection_, session_id, request_number);
}

template <typename Connection, typename Dialect>
Result<void> StoreTransaction<Connection, Dialect>::SettleReservation(
    const domain::Reservation& reservation) {
  return sql::SettleReservation(connection_, reservation);
}

template <typename Connection, typename Dialect>
Result<std::vector<domain::ReservationHold>>
StoreTransaction<Connection, Dialect>::ListReservationHolds(const LineId& line_id, Timestamp now) {
  return sql::ListReservationHolds(connection_, line_id, now);
}

template <typename Connection, typename Dialect>
Result<int64_t> StoreTransaction<Connection, Dialect>::ExpireReservations(Timestamp now,
                                                                          int limit) {
  return sql::ExpireReservations(connection_, now, limit);
}

}  // namespace simkeep::storage::sql

#endif  // SIMKEEP_STORAGE_SQL_STORE_TRANSACTION_IMPL_H_
