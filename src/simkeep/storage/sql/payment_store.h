#ifndef SIMKEEP_STORAGE_SQL_PAYMENT_STORE_H_
#define SIMKEEP_STORAGE_SQL_PAYMENT_STORE_H_

// Tables refunds, webhook_deliveries, sandbox_charges and sandbox_refunds.
//
// Each function is the body of the app::Transaction method of the same name (contracts in
// app/ports.h), written once for every SQL adapter as a template over its connection (see
// statement.h), like order_store.h.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "simkeep/app/ports.h"
#include "simkeep/storage/sql/limits.h"
#include "simkeep/storage/sql/order_store.h"
#include "simkeep/storage/sql/rows.h"
#include "simkeep/storage/sql/statement.h"

namespace simkeep::storage::sql {
namespace internal {

inline constexpr const char* kSelectRefund =
    "SELECT refund_id, payment_id, order_id, amount_jpy, reason, status, failure_reason, "
    "provider_reference, requested_by, created_at, updated_at FROM refunds";

inline constexpr const char* kSelectSandboxCharge =
    "SELECT payment_id, method, amount_jpy, status, failure_reason, card_brand, card_last4, "
    "action_kind, action_url, qr_payload, konbini_store, payment_number, confirmation_number, "
    "institution_number, action_expires_at, refunded_jpy, created_at, captured_at, updated_at "
    "FROM sandbox_charges";

template <SqlStatement Statement>
Result<domain::Refund> ReadRefund(Statement& row) {
  domain::Refund refund;
  refund.id.value = row.ReadText();
  refund.payment_id.value = row.ReadText();
  refund.order_id.value = row.ReadText();
  refund.amount_jpy = row.ReadInt64();
  refund.reason = row.ReadText();
  refund.status = row.ReadEnum(domain::ParseRefundStatus);
  refund.failure_reason = row.ReadText();
  refund.provider_reference = row.ReadText();
  refund.requested_by = row.ReadText();
  refund.created_at = row.ReadTime();
  refund.updated_at = row.ReadTime();
  if (row.RowError()) {
    return *row.RowError();
  }
  return refund;
}

template <SqlStatement Statement>
Result<app::SandboxCharge> ReadSandboxCharge(Statement& row) {
  app::SandboxCharge charge;
  charge.payment_id.value = row.ReadText();
  charge.method = row.ReadEnum(domain::ParsePaymentMethod);
  charge.amount_jpy = row.ReadInt64();
  charge.status = row.ReadEnum(domain::ParsePaymentStatus);
  charge.failure_reason = row.ReadText();
  charge.card_brand = row.ReadText();
  charge.card_last4 = row.ReadText();
  charge.action = ReadAction(row);
  charge.refunded_jpy = row.ReadInt64();
  charge.created_at = row.ReadTime();
  charge.captured_at = row.ReadOptionalTime();
  charge.updated_at = row.ReadTime();
  if (row.RowError()) {
    return *row.RowError();
  }
  return charge;
}

}  // namespace internal

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> InsertRefund(Connection& connection, const domain::Refund& refund) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO refunds (refund_id, payment_id, order_id, amount_jpy, reason, status, "
      "failure_reason, provider_reference, requested_by, created_at, updated_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(refund.id.value)
      .BindText(refund.payment_id.value)
      .BindText(refund.order_id.value)
      .BindInt64(refund.amount_jpy)
      .BindText(refund.reason)
      .BindText(domain::RefundStatusName(refund.status))
      .BindText(refund.failure_reason)
      .BindText(refund.provider_reference)
      .BindText(refund.requested_by)
      .BindTime(refund.created_at)
      .BindTime(refund.updated_at);
  return statement->Run();
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> UpdateRefund(Connection& connection, const domain::Refund& refund) {
  Result<Statement> statement = connection.PrepareWrite(
      "UPDATE refunds SET status = ?, failure_reason = ?, provider_reference = ?, updated_at = ? "
      "WHERE refund_id = ?");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(domain::RefundStatusName(refund.status))
      .BindText(refund.failure_reason)
      .BindText(refund.provider_reference)
      .BindTime(refund.updated_at)
      .BindText(refund.id.value);
  Result<void> done = statement->Run();
  if (!done) {
    return done;
  }
  return RequireChanged(connection, "refund_not_found", refund.id.value);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::optional<domain::Refund>> FindRefund(Connection& connection, const RefundId& id,
                                                 RowLock lock) {
  static const LookupSql by_id(std::string(internal::kSelectRefund) + " WHERE refund_id = ?");
  Result<Statement> statement = connection.Prepare(by_id.For(lock));
  if (!statement) {
    return statement.error();
  }
  statement->BindText(id.value);
  return ReadOptional<domain::Refund>(*statement, internal::ReadRefund<Statement>);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::vector<domain::Refund>> ListRefunds(Connection& connection,
                                                const PaymentId& payment_id) {
  static const std::string sql =
      std::string(internal::kSelectRefund) + " WHERE payment_id = ? ORDER BY created_at, refund_id";
  Result<Statement> statement = connection.Prepare(sql.c_str());
  if (!statement) {
    return statement.error();
  }
  statement->BindText(payment_id.value);
  return ReadAll<domain::Refund>(*statement, internal::ReadRefund<Statement>);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::vector<domain::Refund>> ListPendingRefunds(Connection& connection, int limit) {
  static const std::string sql = std::string(internal::kSelectRefund) +
                                 " WHERE status = 'pending' ORDER BY created_at, refund_id "
                                 "LIMIT ?";
  Result<Statement> statement = connection.Prepare(sql.c_str());
  if (!statement) {
    return statement.error();
  }
  statement->BindInt64(ClampLimit(limit, kListRowsMax));
  return ReadAll<domain::Refund>(*statement, internal::ReadRefund<Statement>);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> InsertWebhookDelivery(Connection& connection, const app::StoredWebhook& delivery) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO webhook_deliveries (provider, delivery_id, event_type, payment_id, body, "
      "received_at) VALUES (?, ?, ?, ?, ?, ?)");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(delivery.provider)
      .BindText(delivery.delivery_id)
      .BindText(delivery.event_type)
      .BindText(delivery.payment_id.value)
      .BindText(delivery.body)
      .BindTime(delivery.received_at);
  return statement->Run();
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> InsertSandboxCharge(Connection& connection, const app::SandboxCharge& charge) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO sandbox_charges (payment_id, method, amount_jpy, status, failure_reason, "
      "card_brand, card_last4, action_kind, action_url, qr_payload, konbini_store, "
      "payment_number, confirmation_number, institution_number, action_expires_at, "
      "refunded_jpy, created_at, captured_at, updated_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(charge.payment_id.value)
      .BindText(domain::PaymentMethodName(charge.method))
      .BindInt64(charge.amount_jpy)
      .BindText(domain::PaymentStatusName(charge.status))
      .BindText(charge.failure_reason)
      .BindText(charge.card_brand)
      .BindText(charge.card_last4);
  internal::BindAction(*statement, charge.action);
  statement->BindInt64(charge.refunded_jpy)
      .BindTime(charge.created_at)
      .BindOptionalTime(charge.captured_at)
      .BindTime(charge.updated_at);
  return statement->Run();
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> UpdateSandboxCharge(Connection& connection, const app::SandboxCharge& charge) {
  Result<Statement> statement = connection.PrepareWrite(
      "UPDATE sandbox_charges SET status = ?, failure_reason = ?, card_brand = ?, card_last4 = ?, "
      "action_kind = ?, action_url = ?, qr_payload = ?, konbini_store = ?, payment_number = ?, "
      "confirmation_number = ?, institution_number = ?, action_expires_at = ?, "
      "refunded_jpy = ?, captured_at = ?, updated_at = ? WHERE payment_id = ?");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(domain::PaymentStatusName(charge.status))
      .BindText(charge.failure_reason)
      .BindText(charge.card_brand)
      .BindText(charge.card_last4);
  internal::BindAction(*statement, charge.action);
  statement->BindInt64(charge.refunded_jpy)
      .BindOptionalTime(charge.captured_at)
      .BindTime(charge.updated_at)
      .BindText(charge.payment_id.value);
  Result<void> done = statement->Run();
  if (!done) {
    return done;
  }
  return RequireChanged(connection, "sandbox_charge_not_found", charge.payment_id.value);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::optional<app::SandboxCharge>> FindSandboxCharge(Connection& connection,
                                                            const PaymentId& id, RowLock lock) {
  static const LookupSql by_id(std::string(internal::kSelectSandboxCharge) +
                               " WHERE payment_id = ?");
  Result<Statement> statement = connection.Prepare(by_id.For(lock));
  if (!statement) {
    return statement.error();
  }
  statement->BindText(id.value);
  return ReadOptional<app::SandboxCharge>(*statement, internal::ReadSandboxCharge<Statement>);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::vector<app::SandboxCharge>> ListSandboxChargesCaptured(Connection& connection,
                                                                   Timestamp from, Timestamp to) {
  static const std::string sql = std::string(internal::kSelectSandboxCharge) +
                                 " WHERE captured_at >= ? AND captured_at < ? "
                                 "ORDER BY captured_at, payment_id";
  Result<Statement> statement = connection.Prepare(sql.c_str());
  if (!statement) {
    return statement.error();
  }
  statement->BindTime(from).BindTime(to);
  return ReadAll<app::SandboxCharge>(*statement, internal::ReadSandboxCharge<Statement>);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> InsertSandboxRefund(Connection& connection, const RefundId& id,
                                 const PaymentId& payment_id, int64_t amount_jpy, Timestamp at) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO sandbox_refunds (refund_id, payment_id, amount_jpy, created_at) "
      "VALUES (?, ?, ?, ?)");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(id.value).BindText(payment_id.value).BindInt64(amount_jpy).BindTime(at);
  return statement->Run();
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::optional<int64_t>> FindSandboxRefund(Connection& connection, const RefundId& id) {
  Result<Statement> statement =
      connection.Prepare("SELECT amount_jpy FROM sandbox_refunds WHERE refund_id = ?");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(id.value);
  return ReadOptional<int64_t>(*statement, [](Statement& row) -> Result<int64_t> {
    const int64_t amount = row.ReadInt64();
    if (row.RowError()) {
      return *row.RowError();
    }
    return amount;
  });
}

}  // namespace simkeep::storage::sql

#endif  // SIMKEEP_STORAGE_SQL_PAYMENT_STORE_H_
