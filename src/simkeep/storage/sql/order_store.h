#ifndef SIMKEEP_STORAGE_SQL_ORDER_STORE_H_
#define SIMKEEP_STORAGE_SQL_ORDER_STORE_H_

// Tables orders, payments and sequences.
//
// Each function is the body of the app::Transaction method of the same name (contracts in
// app/ports.h), written once for every SQL adapter as a template over its connection (see
// statement.h); StoreTransaction instantiates it. Every function runs on the caller's connection,
// inside its open transaction (outside one it returns kUnavailable "db_unavailable"), and is as
// thread-safe as that connection: not at all.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "simkeep/app/limits.h"
#include "simkeep/app/ports.h"
#include "simkeep/storage/sql/limits.h"
#include "simkeep/storage/sql/rows.h"
#include "simkeep/storage/sql/statement.h"

namespace simkeep::storage::sql {

// The unique keys a payment can be looked up by.
enum class PaymentKey { kId, kOrderId };

namespace internal {

inline constexpr const char* kSelectOrder =
    "SELECT order_id, line_id, kind, status, plan_id, amount_jpy, channel, idempotency_key, "
    "failure_reason, receipt_number, created_at, completed_at, fee_jpy FROM orders";

inline constexpr const char* kSelectPayment =
    "SELECT payment_id, order_id, method, provider, status, amount_jpy, failure_reason, "
    "provider_reference, card_brand, card_last4, created_at, updated_at, refunded_jpy, "
    "action_kind, action_url, qr_payload, konbini_store, payment_number, confirmation_number, "
    "institution_number, action_expires_at, succeeded_at, saved_method_id, idempotency_key "
    "FROM payments";

// The columns of a PaymentAction, in the order payments and sandbox_charges keep them:
// action_kind, action_url, qr_payload, konbini_store, payment_number, confirmation_number,
// institution_number, action_expires_at.
template <SqlStatement Statement>
domain::PaymentAction ReadAction(Statement& row) {
  domain::PaymentAction action;
  action.kind = row.ReadEnum(domain::ParsePaymentActionKind);
  action.url = row.ReadText();
  action.qr_payload = row.ReadText();
  action.store = row.ReadText();
  action.payment_number = row.ReadText();
  action.confirmation_number = row.ReadText();
  action.institution_number = row.ReadText();
  action.expires_at = row.ReadOptionalTime();
  return action;
}

template <SqlStatement Statement>
void BindAction(Statement& statement, const domain::PaymentAction& action) {
  statement.BindText(domain::PaymentActionKindName(action.kind))
      .BindText(action.url)
      .BindText(action.qr_payload)
      .BindText(action.store)
      .BindText(action.payment_number)
      .BindText(action.confirmation_number)
      .BindText(action.institution_number)
      .BindOptionalTime(action.expires_at);
}

template <SqlStatement Statement>
Result<domain::Order> ReadOrder(Statement& row) {
  domain::Order order;
  order.id.value = row.ReadText();
  order.line_id.value = row.ReadText();
  order.kind = row.ReadEnum(domain::ParseOrderKind);
  order.status = row.ReadEnum(domain::ParseOrderStatus);
  order.plan_id.value = row.ReadText();
  order.amount_jpy = row.ReadInt64();
  order.channel = row.ReadEnum(domain::ParseChannel);
  order.idempotency_key = row.ReadText();
  order.failure_reason = row.ReadText();
  if (row.NextIsNull()) {
    row.Skip();
  } else {
    order.receipt_number = row.ReadText();
  }
  order.created_at = row.ReadTime();
  order.completed_at = row.ReadOptionalTime();
  order.fee_jpy = row.ReadInt64();
  if (row.RowError()) {
    return *row.RowError();
  }
  return order;
}

template <SqlStatement Statement>
Result<domain::Payment> ReadPayment(Statement& row) {
  domain::Payment payment;
  payment.id.value = row.ReadText();
  payment.order_id.value = row.ReadText();
  payment.method = row.ReadEnum(domain::ParsePaymentMethod);
  payment.provider = row.ReadText();
  payment.status = row.ReadEnum(domain::ParsePaymentStatus);
  payment.amount_jpy = row.ReadInt64();
  payment.failure_reason = row.ReadText();
  payment.provider_reference = row.ReadText();
  payment.card_brand = row.ReadText();
  payment.card_last4 = row.ReadText();
  payment.created_at = row.ReadTime();
  payment.updated_at = row.ReadTime();
  payment.refunded_jpy = row.ReadInt64();
  payment.action = ReadAction(row);
  payment.succeeded_at = row.ReadOptionalTime();
  payment.saved_method_id.value = row.ReadText();
  payment.idempotency_key = row.ReadText();
  if (row.RowError()) {
    return *row.RowError();
  }
  return payment;
}

}  // namespace internal

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> InsertOrder(Connection& connection, const domain::Order& order) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO orders (order_id, line_id, kind, status, plan_id, amount_jpy, channel, "
      "idempotency_key, failure_reason, receipt_number, created_at, completed_at, fee_jpy) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(order.id.value)
      .BindText(order.line_id.value)
      .BindText(domain::OrderKindName(order.kind))
      .BindText(domain::OrderStatusName(order.status))
      .BindTextOrNull(order.plan_id.value)
      .BindInt64(order.amount_jpy)
      .BindText(domain::ChannelName(order.channel))
      .BindText(order.idempotency_key)
      .BindText(order.failure_reason)
      .BindOptionalText(order.receipt_number)
      .BindTime(order.created_at)
      .BindOptionalTime(order.completed_at)
      .BindInt64(order.fee_jpy);
  Result<void> inserted = statement->Run();
  return PreferPrimaryKeyClash(connection, std::move(inserted),
                               "SELECT 1 FROM orders WHERE order_id = ?", order.id.value,
                               "order_exists");
}

// Writes what may change after an order is placed: status, plan_id, amount_jpy,
// failure_reason, receipt_number, completed_at and fee_jpy. What was asked for (line, kind,
// channel, idempotency key, created_at) is fixed at insert. kNotFound "order_not_found".
template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> UpdateOrder(Connection& connection, const domain::Order& order) {
  Result<Statement> statement = connection.PrepareWrite(
      "UPDATE orders SET status = ?, plan_id = ?, amount_jpy = ?, failure_reason = ?, "
      "receipt_number = ?, completed_at = ?, fee_jpy = ? WHERE order_id = ?");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(domain::OrderStatusName(order.status))
      .BindTextOrNull(order.plan_id.value)
      .BindInt64(order.amount_jpy)
      .BindText(order.failure_reason)
      .BindOptionalText(order.receipt_number)
      .BindOptionalTime(order.completed_at)
      .BindInt64(order.fee_jpy)
      .BindText(order.id.value);
  Result<void> done = statement->Run();
  if (!done) {
    return done;
  }
  return RequireChanged(connection, "order_not_found", order.id.value);
}

// `lock` kForUpdate locks the row until the transaction ends (write transactions only), as in
// FindPayment.
template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::optional<domain::Order>> FindOrder(Connection& connection, const OrderId& id,
                                               RowLock lock) {
  static const LookupSql by_id(std::string(internal::kSelectOrder) + " WHERE order_id = ?");
  Result<Statement> statement = connection.Prepare(by_id.For(lock));
  if (!statement) {
    return statement.error();
  }
  statement->BindText(id.value);
  return ReadOptional<domain::Order>(*statement, internal::ReadOrder<Statement>);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> ForEachOrder(Connection& connection,
                          const std::function<Result<void>(const domain::Order&)>& callback) {
  static const std::string sql = std::string(internal::kSelectOrder) + " ORDER BY order_id";
  Result<Statement> statement = connection.PrepareStream(sql.c_str());
  if (!statement) {
    return statement.error();
  }
  return Stream<domain::Order>(*statement, internal::ReadOrder<Statement>, callback);
}

// A cursor naming no order of any line yields an empty page.
template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::vector<domain::Order>> ListOrders(Connection& connection, const LineId& line_id,
                                              const app::PageRequest& page) {
  // Keyset pagination on (created_at, order_id), both descending, by a row value comparison
  // against the cursor's own key (valid SQL for SQLite and PostgreSQL alike). A cursor naming no
  // order makes the comparison NULL: no rows.
  static const std::string sql = std::string(internal::kSelectOrder) +
                                 " WHERE line_id = ?1 AND (?2 = '' OR (created_at, order_id) < "
                                 "(SELECT created_at, order_id FROM orders WHERE order_id = ?2)) "
                                 "ORDER BY created_at DESC, order_id DESC LIMIT ?3";
  Result<Statement> statement = connection.Prepare(sql.c_str());
  if (!statement) {
    return statement.error();
  }
  statement->BindText(line_id.value)
      .BindText(page.after_id)
      .BindInt64(ClampLimit(page.limit, app::kPageLimitMax));
  return ReadAll<domain::Order>(*statement, internal::ReadOrder<Statement>);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> InsertPayment(Connection& connection, const domain::Payment& payment) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO payments (payment_id, order_id, method, provider, status, amount_jpy, "
      "failure_reason, provider_reference, card_brand, card_last4, created_at, updated_at, "
      "refunded_jpy, action_kind, action_url, qr_payload, konbini_store, payment_number, "
      "confirmation_number, institution_number, action_expires_at, succeeded_at, "
      "saved_method_id, idempotency_key) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(payment.id.value)
      .BindText(payment.order_id.value)
      .BindText(domain::PaymentMethodName(payment.method))
      .BindText(payment.provider)
      .BindText(domain::PaymentStatusName(payment.status))
      .BindInt64(payment.amount_jpy)
      .BindText(payment.failure_reason)
      .BindText(payment.provider_reference)
      .BindText(payment.card_brand)
      .BindText(payment.card_last4)
      .BindTime(payment.created_at)
      .BindTime(payment.updated_at)
      .BindInt64(payment.refunded_jpy);
  internal::BindAction(*statement, payment.action);
  statement->BindOptionalTime(payment.succeeded_at)
      .BindText(payment.saved_method_id.value)
      .BindText(payment.idempotency_key);
  return PreferPrimaryKeyClash(connection, statement->Run(),
                               "SELECT 1 FROM payments WHERE payment_id = ?", payment.id.value,
                               "payment_exists");
}

// Writes everything but payment_id, order_id, method, saved_method_id, idempotency_key and
// created_at.
// kNotFound "payment_not_found".
template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> UpdatePayment(Connection& connection, const domain::Payment& payment) {
  Result<Statement> statement = connection.PrepareWrite(
      "UPDATE payments SET provider = ?, status = ?, amount_jpy = ?, failure_reason = ?, "
      "provider_reference = ?, card_brand = ?, card_last4 = ?, updated_at = ?, "
      "refunded_jpy = ?, action_kind = ?, action_url = ?, qr_payload = ?, konbini_store = ?, "
      "payment_number = ?, confirmation_number = ?, institution_number = ?, "
      "action_expires_at = ?, succeeded_at = ? WHERE payment_id = ?");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(payment.provider)
      .BindText(domain::PaymentStatusName(payment.status))
      .BindInt64(payment.amount_jpy)
      .BindText(payment.failure_reason)
      .BindText(payment.provider_reference)
      .BindText(payment.card_brand)
      .BindText(payment.card_last4)
      .BindTime(payment.updated_at)
      .BindInt64(payment.refunded_jpy);
  internal::BindAction(*statement, payment.action);
  statement->BindOptionalTime(payment.succeeded_at).BindText(payment.id.value);
  Result<void> done = statement->Run();
  if (!done) {
    return done;
  }
  return RequireChanged(connection, "payment_not_found", payment.id.value);
}

// `lock` kForUpdate locks the row until the transaction ends (write transactions only).
template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::optional<domain::Payment>> FindPayment(Connection& connection, PaymentKey key,
                                                   std::string_view value, RowLock lock) {
  static const LookupSql by_id(std::string(internal::kSelectPayment) + " WHERE payment_id = ?");
  // The latest attempt.
  static const LookupSql by_order(std::string(internal::kSelectPayment) +
                                  " WHERE order_id = ? ORDER BY created_at DESC, payment_id DESC "
                                  "LIMIT 1");
  const LookupSql& sql = key == PaymentKey::kId ? by_id : by_order;
  Result<Statement> statement = connection.Prepare(sql.For(lock));
  if (!statement) {
    return statement.error();
  }
  statement->BindText(value);
  return ReadOptional<domain::Payment>(*statement, internal::ReadPayment<Statement>);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::vector<domain::Payment>> ListPendingPayments(Connection& connection, int limit) {
  static const std::string sql = std::string(internal::kSelectPayment) +
                                 " WHERE status = 'pending' ORDER BY created_at, payment_id "
                                 "LIMIT ?";
  Result<Statement> statement = connection.Prepare(sql.c_str());
  if (!statement) {
    return statement.error();
  }
  statement->BindInt64(ClampLimit(limit, kListRowsMax));
  return ReadAll<domain::Payment>(*statement, internal::ReadPayment<Statement>);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::vector<domain::Payment>> ListPaymentsForOrder(Connection& connection,
                                                          const OrderId& id) {
  static const std::string sql =
      std::string(internal::kSelectPayment) + " WHERE order_id = ? ORDER BY created_at, payment_id";
  Result<Statement> statement = connection.Prepare(sql.c_str());
  if (!statement) {
    return statement.error();
  }
  statement->BindText(id.value);
  return ReadAll<domain::Payment>(*statement, internal::ReadPayment<Statement>);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::vector<domain::Payment>> ListPaymentsDue(Connection& connection, Timestamp now,
                                                     int limit) {
  static const std::string sql = std::string(internal::kSelectPayment) +
                                 " WHERE status = 'requires_action' AND action_expires_at <= ? "
                                 "ORDER BY action_expires_at, payment_id LIMIT ?";
  Result<Statement> statement = connection.Prepare(sql.c_str());
  if (!statement) {
    return statement.error();
  }
  statement->BindTime(now).BindInt64(ClampLimit(limit, kListRowsMax));
  return ReadAll<domain::Payment>(*statement, internal::ReadPayment<Statement>);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::vector<domain::Payment>> ListPaymentsSucceededBetween(Connection& connection,
                                                                  Timestamp from, Timestamp to) {
  static const std::string sql = std::string(internal::kSelectPayment) +
                                 " WHERE succeeded_at >= ? AND succeeded_at < ? "
                                 "ORDER BY succeeded_at, payment_id";
  Result<Statement> statement = connection.Prepare(sql.c_str());
  if (!statement) {
    return statement.error();
  }
  statement->BindTime(from).BindTime(to);
  return ReadAll<domain::Payment>(*statement, internal::ReadPayment<Statement>);
}

// The next value of the counter `name`, starting at 1.
template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<int64_t> NextSequenceValue(Connection& connection, std::string_view name) {
  // One statement both creates the counter at 1 and advances it, so the value is read under the
  // same write as the increment. The row stays locked until the transaction ends (by SQLite's
  // one writer, or PostgreSQL's row lock): a concurrent transaction waits for it and then reads
  // the committed value (gap-free), and a rollback takes the increment back.
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO sequences (name, value) VALUES (?, 1) "
      "ON CONFLICT (name) DO UPDATE SET value = sequences.value + 1 RETURNING value");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(name);
  Result<bool> row = statement->Step();
  if (!row) {
    return row.error();
  }
  if (!*row) {
    return Internal("NextSequenceValue: RETURNING produced no row");
  }
  const int64_t value = statement->ReadInt64();
  // Step to the end so that the statement completes before it is returned to the cache (SQLite;
  // PostgreSQL has the whole result already).
  Result<void> done = statement->Run();
  if (!done) {
    return done.error();
  }
  return value;
}

}  // namespace simkeep::storage::sql

#endif  // SIMKEEP_STORAGE_SQL_ORDER_STORE_H_
