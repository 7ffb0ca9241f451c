#ifndef SIMKEEP_APP_PORTS_H_
#define SIMKEEP_APP_PORTS_H_

// The interfaces through which use cases reach storage. The storage adapters (storage/sqlite,
// storage/postgres) implement them; app/ and everything inward never include a database
// header. One contract test suite (storage/store_contract_test.h) runs against every adapter.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "simkeep/base/clock.h"
#include "simkeep/base/ids.h"
#include "simkeep/base/result.h"
#include "simkeep/domain/auto_renewal.h"
#include "simkeep/domain/catalog.h"
#include "simkeep/domain/line.h"
#include "simkeep/domain/notification.h"
#include "simkeep/domain/order.h"
#include "simkeep/domain/reservation.h"
#include "simkeep/domain/usage.h"
#include "simkeep/ledger/account.h"
#include "simkeep/ledger/transfer.h"

namespace simkeep::app {

// A stored Idempotency-Key (DESIGN.md §4). `principal` scopes keys to the caller (an API key id),
// so two callers can never collide. While `completed` is false the first request is still in
// flight; once true, `response_status` and `response_body` are what it answered, replayed
// byte-for-byte to a retry.
struct IdempotencyRecord {
  std::string principal;
  std::string key;
  std::string request_hash;  // SHA-256 (hex) of method, path and body.
  bool completed = false;
  int response_status = 0;
  std::string response_body;
  Timestamp created_at;
};

// An API key. Only the SHA-256 of the token is stored; the token is shown once, at creation.
struct ApiKey {
  ApiKeyId id;
  std::string role;  // "admin", "operator", "clerk", "agent", "kiosk", "partner".
  std::string name;
  std::string token_hash;
  Timestamp created_at;
  std::optional<Timestamp> revoked_at;
};

// A verified provider webhook delivery, stored raw (DOMAIN.md §6.15).
struct StoredWebhook {
  std::string provider;
  std::string delivery_id;
  std::string event_type;
  PaymentId payment_id;  // Empty for events about no payment.
  std::string body;
  Timestamp received_at;
};

// The sandbox provider's record of one payment it was asked to collect (its own books; see
// payments/sandbox). Status is requires_action, succeeded, failed or canceled.
struct SandboxCharge {
  PaymentId payment_id;
  domain::PaymentMethod method = domain::PaymentMethod::kCard;
  int64_t amount_jpy = 0;
  domain::PaymentStatus status = domain::PaymentStatus::kRequiresAction;
  std::string failure_reason;
  std::string card_brand;
  std::string card_last4;
  domain::PaymentAction action;
  int64_t refunded_jpy = 0;
  Timestamp created_at;
  std::optional<Timestamp> captured_at;
  Timestamp updated_at;
};

// A card in the sandbox provider's vault (its own books; see payments/sandbox): what decides
// the outcome of a charge to the token, never the card number.
struct SandboxSavedCard {
  std::string token;
  SavedMethodId saved_method_id;  // The save request it answered (its idempotency key).
  std::string card_brand;
  std::string card_last4;
  int exp_month = 0;
  int exp_year = 0;
  Timestamp created_at;
  std::optional<Timestamp> deleted_at;
};

// An automatic renewal found due: the setting and the validity end to extend.
struct DueAutoRenewal {
  domain::AutoRenewal setting;
  Timestamp expires_at;
};

// A position in a range read ordered by (time, id): rows strictly after it come next.
struct RangeCursor {
  Timestamp at;
  std::string id;
};

// A page request: at most `limit` rows whose id sorts after `after_id` (the cursor), by id.
struct PageRequest {
  int limit = 50;
  std::string after_id;
};

// All reads and writes within one database transaction. Obtained from a Session; valid until
// that session commits or rolls back. Not thread-safe: one thread at a time.
//
// Error conventions shared by every adapter:
//  - a unique-key clash on insert returns kAlreadyExists with a reason naming the key
//    ("line_exists", "iccid_taken", "msisdn_taken", "transfer_exists", "order_exists",
//    "payment_exists", "bucket_exists", "event_exists", "api_key_exists",
//    "idempotency_key_exists", "receipt_exists", "account_exists", "refund_exists",
//    "webhook_delivery_exists", "sandbox_charge_exists", "sandbox_refund_exists",
//    "payment_live_exists" (a second open or collected attempt for one order),
//    "notification_exists" (a notification id stored already),
//    "webhook_endpoint_exists", and
//    "pending_transfer_settled" for a second post or void of one hold) and a message a person
//    understands;
//  - another constraint (a check, a foreign key) returns kFailedPrecondition
//    "constraint_violation";
//  - an update of a row that does not exist returns kNotFound ("<thing>_not_found");
//  - a database failure (I/O, busy, full disk) returns kUnavailable "db_unavailable".
// Lookups return std::nullopt, not an error, when nothing matches.
class Transaction {
 public:
  virtual ~Transaction() = default;

  // Catalog. SaveCatalog inserts carriers and plans that are not stored yet and adds price
  // versions that are new; it never rewrites or deletes what is stored (price history).
  virtual Result<domain::Catalog> LoadCatalog() = 0;
  virtual Result<void> SaveCatalog(const domain::Catalog& catalog) = 0;

  // Lines, their events and buckets.
  virtual Result<std::optional<domain::Line>> FindLine(const LineId& id) = 0;
  virtual Result<std::optional<domain::Line>> FindLineByIccid(std::string_view iccid) = 0;
  virtual Result<std::optional<domain::Line>> FindLineByMsisdn(std::string_view e164) = 0;
  // The line of the SIM with `imsi` (a terminated line only when no other has it).
  virtual Result<std::optional<domain::Line>> FindLineByImsi(std::string_view imsi) = 0;
  virtual Result<std::vector<domain::Line>> ListLines(const PageRequest& page) = 0;
  virtual Result<int64_t> CountLines() = 0;
  // Lines in `state` on `carrier` whose validity ended at or before `expired_by`, earliest
  // first (the lifecycle's search).
  virtual Result<std::vector<domain::Line>> ListLinesExpiredBy(domain::LineState state,
                                                               domain::CarrierCode carrier,
                                                               Timestamp expired_by, int limit) = 0;
  virtual Result<void> InsertLine(const domain::Line& line) = 0;
  virtual Result<void> UpdateLine(const domain::Line& line) = 0;
  virtual Result<void> InsertLineEvent(const domain::LineEvent& event) = 0;
  // Newest first, at most `limit`.
  virtual Result<std::vector<domain::LineEvent>> ListLineEvents(const LineId& line_id,
                                                                int limit) = 0;
  virtual Result<void> InsertBucket(const domain::Bucket& bucket) = 0;
  // Usage. Of `ids`, the record ids stored already (in no particular order).
  virtual Result<std::vector<std::string>> FindStoredUsageIds(
      const std::vector<std::string>& ids) = 0;
  // kAlreadyExists "usage_record_exists" when the record id is stored.
  virtual Result<void> InsertUsageRecord(const domain::AppliedUsage& applied) = 0;
  // The line's usage days from `from_day` to `to_day` inclusive, by day then kind.
  virtual Result<std::vector<domain::UsageDay>> ListUsageDays(const LineId& line_id,
                                                              Timestamp from_day,
                                                              Timestamp to_day) = 0;
  // Adds `add`'s units, records and rated yen to the line's row for its day and kind.
  virtual Result<void> AddUsageDay(const LineId& line_id, const domain::UsageDay& add) = 0;
  virtual Result<std::optional<domain::LineUsage>> FindLineUsage(const LineId& line_id) = 0;
  // Inserts or rewrites the line's row.
  virtual Result<void> SaveLineUsage(const domain::LineUsage& usage) = 0;
  // What the line's usage charges created after `from` and at or before `to` took from its
  // wallet (charged_jpy).
  virtual Result<int64_t> SumUsageCharges(const LineId& line_id, Timestamp from, Timestamp to) = 0;
  // kAlreadyExists "usage_charge_exists" when the charge id is stored.
  virtual Result<void> InsertUsageCharge(const domain::UsageCharge& charge) = 0;
  virtual Result<std::optional<domain::UsageCharge>> FindUsageCharge(
      const std::string& charge_id) = 0;
  // kNotFound "bucket_not_found".
  virtual Result<void> UpdateBucketRemaining(const BucketId& id, int64_t remaining) = 0;
  // The number a terminated line gave up. kAlreadyExists "number_quarantine_exists" when the line
  // already gave one up.
  virtual Result<void> InsertNumberQuarantine(const domain::NumberQuarantine& hold) = 0;
  // The hold on `e164` that is released last, if the number was ever held.
  virtual Result<std::optional<domain::NumberQuarantine>> FindNumberQuarantine(
      std::string_view e164) = 0;
  // Every bucket of the line, ordered by expiry (earliest first), expired ones included.
  virtual Result<std::vector<domain::Bucket>> ListBuckets(const LineId& line_id) = 0;

  // Ledger. Balances change only through InsertTransfer + UpdateAccount from app/ledger_writer,
  // which validates with the pure ledger rules first.
  virtual Result<std::optional<ledger::Account>> FindAccount(const AccountId& id) = 0;
  virtual Result<void> InsertAccount(const ledger::Account& account) = 0;
  virtual Result<void> UpdateAccount(const ledger::Account& account) = 0;
  virtual Result<void> InsertTransfer(const ledger::Transfer& transfer) = 0;
  virtual Result<std::optional<ledger::Transfer>> FindTransfer(const TransferId& id) = 0;
  // The transfers written with `reference` (an order id), in the order they were written.
  virtual Result<std::vector<ledger::Transfer>> ListTransfersByReference(
      std::string_view reference) = 0;
  // Streams for the audit: every account, then every transfer in the order it was written.
  // Stops early and returns the callback's error if it returns one.
  virtual Result<void> ForEachAccount(
      const std::function<Result<void>(const ledger::Account&)>& callback) = 0;
  virtual Result<void> ForEachTransfer(
      const std::function<Result<void>(const ledger::Transfer&)>& callback) = 0;

  // Orders, payments and receipts.
  virtual Result<void> InsertOrder(const domain::Order& order) = 0;
  virtual Result<void> UpdateOrder(const domain::Order& order) = 0;
  virtual Result<std::optional<domain::Order>> FindOrder(const OrderId& id) = 0;
  // Streams every order (for the audit), by id; stops at the callback's first error.
  virtual Result<void> ForEachOrder(
      const std::function<Result<void>(const domain::Order&)>& callback) = 0;
  // Newest first (by created_at, then id); `page.after_id` is the last order id of the previous
  // page.
  virtual Result<std::vector<domain::Order>> ListOrders(const LineId& line_id,
                                                        const PageRequest& page) = 0;
  virtual Result<void> InsertPayment(const domain::Payment& payment) = 0;
  virtual Result<void> UpdatePayment(const domain::Payment& payment) = 0;
  virtual Result<std::optional<domain::Payment>> FindPayment(const PaymentId& id) = 0;
  // The order's latest attempt (by created_at, then id).
  virtual Result<std::optional<domain::Payment>> FindPaymentByOrder(const OrderId& id) = 0;
  // Payments whose status is pending (an outcome not yet known), oldest first.
  virtual Result<std::vector<domain::Payment>> ListPendingPayments(int limit) = 0;
  // Every attempt to pay the order, oldest first.
  virtual Result<std::vector<domain::Payment>> ListPaymentsForOrder(const OrderId& id) = 0;
  // Payments in requires_action whose deadline (action.expires_at) is at or before `now`,
  // earliest deadline first.
  virtual Result<std::vector<domain::Payment>> ListPaymentsDue(Timestamp now, int limit) = 0;
  // Payments that collected money (succeeded_at) in [from, to), refunded ones included, by
  // succeeded_at then id.
  virtual Result<std::vector<domain::Payment>> ListPaymentsSucceededBetween(Timestamp from,
                                                                            Timestamp to) = 0;

  // Refunds. InsertRefund of an existing id is kAlreadyExists "refund_exists"; UpdateRefund
  // writes status, failure_reason, provider_reference and updated_at (kNotFound
  // "refund_not_found").
  virtual Result<void> InsertRefund(const domain::Refund& refund) = 0;
  virtual Result<void> UpdateRefund(const domain::Refund& refund) = 0;
  virtual Result<std::optional<domain::Refund>> FindRefund(const RefundId& id) = 0;
  // The payment's refunds, oldest first.
  virtual Result<std::vector<domain::Refund>> ListRefunds(const PaymentId& payment_id) = 0;
  // Refunds whose outcome is not known yet, oldest first.
  virtual Result<std::vector<domain::Refund>> ListPendingRefunds(int limit) = 0;

  // Webhooks. A delivery stored already is kAlreadyExists "webhook_delivery_exists".
  virtual Result<void> InsertWebhookDelivery(const StoredWebhook& delivery) = 0;

  // The sandbox provider's books. InsertSandboxCharge of a payment charged already is
  // kAlreadyExists "sandbox_charge_exists"; UpdateSandboxCharge writes all but payment_id,
  // method, amount and created_at (kNotFound "sandbox_charge_not_found"); a second
  // InsertSandboxRefund of one refund id is kAlreadyExists "sandbox_refund_exists".
  virtual Result<void> InsertSandboxCharge(const SandboxCharge& charge) = 0;
  virtual Result<void> UpdateSandboxCharge(const SandboxCharge& charge) = 0;
  virtual Result<std::optional<SandboxCharge>> FindSandboxCharge(const PaymentId& id) = 0;
  // Charges captured in [from, to), by capture time then id.
  virtual Result<std::vector<SandboxCharge>> ListSandboxChargesCaptured(Timestamp from,
                                                                        Timestamp to) = 0;
  virtual Result<void> InsertSandboxRefund(const RefundId& id, const PaymentId& payment_id,
                                           int64_t amount_jpy, Timestamp at) = 0;
  // The amount of a sandbox refund, if it was made.
  virtual Result<std::optional<int64_t>> FindSandboxRefund(const RefundId& id) = 0;
  // Saved payment methods. InsertSavedMethod of an existing id is kAlreadyExists
  // "saved_method_exists"; UpdateSavedMethod writes status, token, card brand and last four,
  // expiry, failure_reason and updated_at (kNotFound "saved_method_not_found"). FindSavedMethod
  // locks like FindPayment.
  virtual Result<void> InsertSavedMethod(const domain::SavedPaymentMethod& saved) = 0;
  virtual Result<void> UpdateSavedMethod(const domain::SavedPaymentMethod& saved) = 0;
  virtual Result<std::optional<domain::SavedPaymentMethod>> FindSavedMethod(
      const SavedMethodId& id) = 0;
  // The line's pending and active saved methods, oldest first.
  virtual Result<std::vector<domain::SavedPaymentMethod>> ListSavedMethods(
      const LineId& line_id) = 0;
  // What the sweep settles: saves pending since before `pending_before` (their request ended
  // without an outcome), and removed methods whose token is still to delete at the provider;
  // least recently updated first.
  virtual Result<std::vector<domain::SavedPaymentMethod>> ListSavedMethodsToSettle(
      Timestamp pending_before, int limit) = 0;
  // The sandbox provider's vault. A second card for one token or one saved method id is
  // kAlreadyExists "sandbox_saved_card_exists". FindSandboxSavedCard looks up by token, or by
  // saved method id when the token is empty. DeleteSandboxSavedCard marks it deleted (once).
  virtual Result<void> InsertSandboxSavedCard(const SandboxSavedCard& card) = 0;
  virtual Result<std::optional<SandboxSavedCard>> FindSandboxSavedCard(
      std::string_view token, const SavedMethodId& saved_method_id) = 0;
  virtual Result<void> DeleteSandboxSavedCard(std::string_view token, Timestamp at) = 0;

  // Automatic renewal settings (one per line; Upsert replaces it) and the scheduler's jobs.
  virtual Result<void> UpsertAutoRenewal(const domain::AutoRenewal& setting) = 0;
  virtual Result<std::optional<domain::AutoRenewal>> FindAutoRenewal(const LineId& line_id) = 0;
  // Enabled settings of active lines whose validity ends at or before `expiring_by` and whose
  // renewal of that validity end has no job yet; earliest expiry first. (A line in grace is
  // renewed automatically only through the job its validity end already has: a setting switched
  // on after the renewal fell due takes effect from the next validity end.)
  virtual Result<std::vector<DueAutoRenewal>> ListDueAutoRenewals(Timestamp expiring_by,
                                                                  int limit) = 0;
  // InsertSchedulerJob of a key stored already is kAlreadyExists "scheduler_job_exists";
  // UpdateSchedulerJob writes all but the key and created_at (kNotFound
  // "scheduler_job_not_found"). FindSchedulerJob locks like FindPayment.
  virtual Result<void> InsertSchedulerJob(const domain::SchedulerJob& job) = 0;
  virtual Result<void> UpdateSchedulerJob(const domain::SchedulerJob& job) = 0;
  virtual Result<std::optional<domain::SchedulerJob>> FindSchedulerJob(std::string_view kind,
                                                                       const LineId& line_id,
                                                                       Timestamp period_end) = 0;
  // Jobs in `status` with no next attempt or one due by `due_by`, soonest first.
  virtual Result<std::vector<domain::SchedulerJob>> ListSchedulerJobs(domain::JobStatus status,
                                                                      Timestamp due_by,
                                                                      int limit) = 0;
  // What the line's automatic renewals and top-ups created in [from, to) charge (running,
  // retrying, done).
  virtual Result<int64_t> SumAutoRenewalCharges(const LineId& line_id, Timestamp from,
                                                Timestamp to) = 0;

  // Notifications (domain/notification.h). UpsertNotificationSettings replaces the line's
  // settings. InsertNotification of a dedupe key stored already writes nothing and succeeds
  // (the outbox's de-duplication; an id stored already is kAlreadyExists
  // "notification_exists"). UpdateNotification writes status,
  // attempts, next_attempt_at, last_error, sent_at and read_at (kNotFound
  // "notification_not_found"). FindNotification locks like FindPayment.
  virtual Result<void> UpsertNotificationSettings(const domain::NotificationSettings& settings) = 0;
  virtual Result<std::optional<domain::NotificationSettings>> FindNotificationSettings(
      const LineId& line_id) = 0;
  virtual Result<void> InsertNotification(const domain::Notification& notification) = 0;
  virtual Result<void> UpdateNotification(const domain::Notification& notification) = 0;
  virtual Result<std::optional<domain::Notification>> FindNotification(std::string_view id) = 0;
  // Pending notifications whose next attempt is due by `due_by`, soonest first.
  virtual Result<std::vector<domain::Notification>> ListNotificationsDue(Timestamp due_by,
                                                                         int limit) = 0;
  // Notifications in `status` (the dead-letter list: kDead), by id.
  virtual Result<std::vector<domain::Notification>> ListNotificationsByStatus(
      domain::NotificationStatus status, const PageRequest& page) = 0;
  // The line's notifications on `channel` (its inbox: kInApp), newest first; `page.after_id` is
  // the last id of the previous page.
  virtual Result<std::vector<domain::Notification>> ListLineNotifications(
      const LineId& line_id, domain::NotificationChannel channel, const PageRequest& page) = 0;
  // Webhook endpoints. InsertWebhookEndpoint of an existing id is kAlreadyExists
  // "webhook_endpoint_exists"; DisableWebhookEndpoint keeps a first disabling time (kNotFound
  // "webhook_endpoint_not_found"). ListWebhookEndpoints returns all, disabled ones included,
  // by id.
  virtual Result<void> InsertWebhookEndpoint(const domain::WebhookEndpoint& endpoint) = 0;
  virtual Result<void> DisableWebhookEndpoint(std::string_view id, Timestamp at) = 0;
  virtual Result<std::optional<domain::WebhookEndpoint>> FindWebhookEndpoint(
      std::string_view id) = 0;
  virtual Result<std::vector<domain::WebhookEndpoint>> ListWebhookEndpoints() = 0;
  // The scheduler's scan positions, by name; nullopt before the first scan.
  virtual Result<std::optional<Timestamp>> FindSchedulerCursor(std::string_view name) = 0;
  virtual Result<void> SetSchedulerCursor(std::string_view name, Timestamp position) = 0;
  // Buckets whose expiry lies after `from` and at or before `until` and has not been noted
  // (NoteBucketExpired), by expires_at then bucket id (the scan of expired allowances).
  virtual Result<std::vector<domain::Bucket>> ListExpiredBuckets(Timestamp from, Timestamp until,
                                                                 int limit) = 0;
  // Notes that the bucket's expiry was dealt with: true the first time, false when it was noted
  // already. kNotFound "bucket_not_found".
  virtual Result<bool> NoteBucketExpired(const BucketId& id, Timestamp at) = 0;
  // Lines in `state` on `carrier` whose validity end lies after `after` (by expires_at, then
  // line id) and at or before `until`; in that order (a reminder's scan).
  virtual Result<std::vector<domain::Line>> ListLinesExpiringBetween(domain::LineState state,
                                                                     domain::CarrierCode carrier,
                                                                     const RangeCursor& after,
                                                                     Timestamp until,
                                                                     int limit) = 0;
  // Payments in requires_action whose deadline lies after `after` (by deadline, then payment
  // id) and at or before `until`; in that order.
  virtual Result<std::vector<domain::Payment>> ListPaymentsDueBetween(const RangeCursor& after,
                                                                      Timestamp until,
                                                                      int limit) = 0;

  // The next value of a named gap-free counter ("receipt"), starting at 1. Rolled back with the
  // transaction, so numbers stay sequential without gaps.
  virtual Result<int64_t> NextSequenceValue(std::string_view name) = 0;
  // Receipts are immutable: there is no update, and adapters refuse one at the database level.
  virtual Result<void> InsertReceipt(const domain::Receipt& receipt) = 0;
  virtual Result<std::optional<domain::Receipt>> FindReceiptByOrder(const OrderId& id) = 0;

  // Idempotency keys.
  virtual Result<std::optional<IdempotencyRecord>> FindIdempotency(std::string_view principal,
                                                                   std::string_view key) = 0;
  virtual Result<void> InsertIdempotency(const IdempotencyRecord& record) = 0;
  // Marks the key completed with its response. kNotFound "idempotency_key_not_found".
  virtual Result<void> CompleteIdempotency(std::string_view principal, std::string_view key,
                                           int response_status, std::string_view response_body) = 0;
  // Deletes completed keys created before `cutoff`; returns how many.
  virtual Result<int64_t> DeleteIdempotencyBefore(Timestamp cutoff) = 0;

  // Quota reservations (domain/reservation.h). InsertReservation of an id stored already is
  // kAlreadyExists "reservation_exists", of a (session_id, request_number) stored already
  // "reservation_request_exists". FindReservation locks like FindPayment. SettleReservation
  // writes status, used, closed_at and settle_answer (kNotFound "reservation_not_found").
  virtual Result<void> InsertReservation(const domain::Reservation& reservation) = 0;
  virtual Result<std::optional<domain::Reservation>> FindReservation(
      const domain::ReservationId& id) = 0;
  virtual Result<std::optional<domain::Reservation>> FindReservationByRequest(
      std::string_view session_id, int64_t request_number) = 0;
  virtual Result<void> SettleReservation(const domain::Reservation& reservation) = 0;
  // What the line's open reservations unexpired at `now` (expires_at after it) hold, summed by
  // kind and tier.
  virtual Result<std::vector<domain::ReservationHold>> ListReservationHolds(const LineId& line_id,
                                                                            Timestamp now) = 0;
  // Marks at most `limit` open reservations whose expires_at is at or before `now` expired
  // (closed at their expires_at), earliest first; returns how many.
  virtual Result<int64_t> ExpireReservations(Timestamp now, int limit) = 0;

  // API keys.
  virtual Result<void> InsertApiKey(const ApiKey& key) = 0;
  virtual Result<std::optional<ApiKey>> FindApiKeyByTokenHash(std::string_view token_hash) = 0;
  // Marks the key revoked at `at`; a key revoked already keeps its first revocation time.
  // kNotFound "api_key_not_found".
  virtual Result<void> RevokeApiKey(const ApiKeyId& id, Timestamp at) = 0;
};

// One connection to the database. Begin() opens a transaction whose Transaction stays valid
// until Commit() or Rollback(). Savepoints nest inside it (the committer uses one per command).
// Not thread-safe: a session belongs to one thread at a time.
class Session {
 public:
  virtual ~Session() = default;
  virtual Result<void> Begin(bool read_only) = 0;
  virtual Transaction& transaction() = 0;
  virtual Result<void> Savepoint() = 0;
  virtual Result<void> ReleaseSavepoint() = 0;
  // Undoes everything since the innermost savepoint and ends it (ROLLBACK TO + RELEASE).
  virtual Result<void> RollbackToSavepoint() = 0;
  // The savepoint of one command of the committer's batch, ended like any other. A backend may
  // send the command's writes ahead without waiting for each answer (PostgreSQL's pipeline
  // mode). If one of them was refused, the command went on believing it had succeeded: the
  // backend then undoes the command when the savepoint ends, whichever way it ends, and
  // ReplayCommand() turns true once, for the caller to run the command again from a new
  // CommandSavepoint(), which then goes step by step with every answer awaited.
  virtual Result<void> CommandSavepoint() { return Savepoint(); }
  virtual bool ReplayCommand() { return false; }
  // Durable when it returns success (synchronous commit).
  virtual Result<void> Commit() = 0;
  virtual Result<void> Rollback() = 0;
};

// A database: opens sessions and migrates the schema. Thread-safe.
class Database {
 public:
  virtual ~Database() = default;
  // "sqlite", "postgresql".
  virtual std::string_view backend() const = 0;
  virtual Result<std::unique_ptr<Session>> Connect() = 0;
  // Applies every migration not applied yet; returns how many ran.
  virtual Result<int> Migrate() = 0;
  // The newest migration version the database records: 0 for one never migrated. Only reads
  // (nothing is created or locked for writing), so it works on a read-only SQLite file, a
  // PostgreSQL standby, or with SELECT rights alone. kUnavailable "db_unavailable".
  virtual Result<int64_t> SchemaVersion() = 0;
  // The version Migrate() brings a database to: the newest migration this build carries. A
  // database at another version must not be read or written by this build (commands that do
  // not migrate refuse it).
  virtual int64_t SchemaVersionLatest() const = 0;
};

}  // namespace simkeep::app

#endif  // SIMKEEP_APP_PORTS_H_
