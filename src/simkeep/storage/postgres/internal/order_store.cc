#include "simkeep/storage/postgres/internal/order_store.h"

#include <string>
#include <utility>

#include "simkeep/app/limits.h"
#include "simkeep/storage/postgres/internal/rows.h"
#include "simkeep/storage/postgres/limits.h"

namespace simkeep::storage::postgres::internal {
namespace {

constexpr const char* kSelectOrder =
    "SELECT order_id, line_id, kind, status, plan_id, amount_jpy, channel, idempotency_key, "
    "failure_reason, receipt_number, created_at, completed_at FROM orders";

constexpr const char* kSelectPayment =
    "SELECT payment_id, order_id, method, provider, status, amount_jpy, failure_reason, "
    "provider_reference, card_brand, card_last4, created_at, updated_at FROM payments";

Result<domain::Order> ReadOrder(Statement& row) {
  domain::Order order;
  order.id.value = row.ReadText();
  order.line_id.value = row.ReadText();
  order.kind = row.ReadEnum<domain::OrderKind>(domain::ParseOrderKind);
  order.status = row.ReadEnum<domain::OrderStatus>(domain::ParseOrderStatus);
  order.plan_id.value = row.ReadText();
  order.amount_jpy = row.ReadInt64();
  order.channel = row.ReadEnum<domain::Channel>(domain::ParseChannel);
  order.idempotency_key = row.ReadText();
  order.failure_reason = row.ReadText();
  if (row.NextIsNull()) {
    row.Skip();
  } else {
    order.receipt_number = row.ReadText();
  }
  order.created_at = row.ReadTime();
  order.completed_at = row.ReadOptionalTime();
  if (row.RowError()) {
    return *row.RowError();
  }
  return order;
}

Result<domain::Payment> ReadPayment(Statement& row) {
  domain::Payment payment;
  payment.id.value = row.ReadText();
  payment.order_id.value = row.ReadText();
  payment.method = row.ReadEnum<domain::PaymentMethod>(domain::ParsePaymentMethod);
  payment.provider = row.ReadText();
  payment.status = row.ReadEnum<domain::PaymentStatus>(domain::ParsePaymentStatus);
  payment.amount_jpy = row.ReadInt64();
  payment.failure_reason = row.ReadText();
  payment.provider_reference = row.ReadText();
  payment.card_brand = row.ReadText();
  payment.card_last4 = row.ReadText();
  payment.created_at = row.ReadTime();
  payment.updated_at = row.ReadTime();
  if (row.RowError()) {
    return *row.RowError();
  }
  return payment;
}

void BindOptionalText(Statement& statement, const std::optional<std::string>& value) {
  if (value) {
    statement.BindText(*value);
  } else {
    statement.BindNull();
  }
}

}  // namespace

Result<void> InsertOrder(Connection& connection, const domain::Order& order) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO orders (order_id, line_id, kind, status, plan_id, amount_jpy, channel, "
      "idempotency_key, failure_reason, receipt_number, created_at, completed_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)");
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
      .BindText(order.failure_reason);
  BindOptionalText(*statement, order.receipt_number);
  statement->BindTime(order.created_at).BindOptionalTime(order.completed_at);
  Result<void> inserted = statement->Run();
  return PreferPrimaryKeyClash(connection, std::move(inserted),
                               "SELECT 1 FROM orders WHERE order_id = $1", order.id.value,
                               "order_exists");
}

Result<void> UpdateOrder(Connection& connection, const domain::Order& order) {
  Result<Statement> statement = connection.PrepareWrite(
      "UPDATE orders SET status = $1, plan_id = $2, amount_jpy = $3, failure_reason = $4, "
      "receipt_number = $5, completed_at = $6 WHERE order_id = $7");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(domain::OrderStatusName(order.status))
      .BindTextOrNull(order.plan_id.value)
      .BindInt64(order.amount_jpy)
      .BindText(order.failure_reason);
  BindOptionalText(*statement, order.receipt_number);
  statement->BindOptionalTime(order.completed_at).BindText(order.id.value);
  Result<void> done = statement->Run();
  if (!done) {
    return done;
  }
  return RequireChanged(connection, "order_not_found", order.id.value);
}

Result<std::optional<domain::Order>> FindOrder(Connection& connection, const OrderId& id,
                                               RowLock lock) {
  static const std::string by_id = std::string(kSelectOrder) + " WHERE order_id = $1";
  static const std::string by_id_locked = WithLock(by_id, RowLock::kForUpdate);
  Result<Statement> statement =
      connection.Prepare(lock == RowLock::kForUpdate ? by_id_locked.c_str() : by_id.c_str());
  if (!statement) {
    return statement.error();
  }
  statement->BindText(id.value);
  return ReadOptional<domain::Order>(*statement, ReadOrder);
}

Result<void> ForEachOrder(Connection& connection,
                          const std::function<Result<void>(const domain::Order&)>& callback) {
  static const std::string sql = std::string(kSelectOrder) + " ORDER BY order_id";
  Result<Statement> statement = connection.PrepareStream(sql.c_str());
  if (!statement) {
    return statement.error();
  }
  return Stream<domain::Order>(*statement, ReadOrder, callback);
}

Result<std::vector<domain::Order>> ListOrders(Connection& connection, const LineId& line_id,
                                              const app::PageRequest& page) {
  // Keyset pagination on (created_at, order_id), both descending, by a row value comparison
  // against the cursor's own key. A cursor naming no order makes the comparison NULL: no rows.
  static const std::string sql = std::string(kSelectOrder) +
                                 " WHERE line_id = $1 AND ($2 = '' OR (created_at, order_id) < "
                                 "(SELECT created_at, order_id FROM orders WHERE order_id = $2)) "
                                 "ORDER BY created_at DESC, order_id DESC LIMIT $3";
  Result<Statement> statement = connection.Prepare(sql.c_str());
  if (!statement) {
    return statement.error();
  }
  statement->BindText(line_id.value)
      .BindText(page.after_id)
      .BindInt64(ClampLimit(page.limit, app::kPageLimitMax));
  return ReadAll<domain::Order>(*statement, ReadOrder);
}

Result<void> InsertPayment(Connection& connection, const domain::Payment& payment) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO payments (payment_id, order_id, method, provider, status, amount_jpy, "
      "failure_reason, provider_reference, card_brand, card_last4, created_at, updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)");
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
      .BindTime(payment.updated_at);
  return statement->Run();
}

Result<void> UpdatePayment(Connection& connection, const domain::Payment& payment) {
  Result<Statement> statement = connection.PrepareWrite(
      "UPDATE payments SET provider = $1, status = $2, amount_jpy = $3, failure_reason = $4, "
      "provider_reference = $5, card_brand = $6, card_last4 = $7, updated_at = $8 "
      "WHERE payment_id = $9");
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
      .BindText(payment.id.value);
  Result<void> done = statement->Run();
  if (!done) {
    return done;
  }
  return RequireChanged(connection, "payment_not_found", payment.id.value);
}

Result<std::optional<domain::Payment>> FindPayment(Connection& connection, PaymentKey key,
                                                   std::string_view value, RowLock lock) {
  static const std::string by_id = std::string(kSelectPayment) + " WHERE payment_id = $1";
  static const std::string by_order = std::string(kSelectPayment) + " WHERE order_id = $1";
  static const std::string by_id_locked = WithLock(by_id, RowLock::kForUpdate);
  static const std::string by_order_locked = WithLock(by_order, RowLock::kForUpdate);
  const bool locked = lock == RowLock::kForUpdate;
  const std::string& sql = key == PaymentKey::kId ? (locked ? by_id_locked : by_id)
                                                  : (locked ? by_order_locked : by_order);
  Result<Statement> statement = connection.Prepare(sql.c_str());
  if (!statement) {
    return statement.error();
  }
  statement->BindText(value);
  return ReadOptional<domain::Payment>(*statement, ReadPayment);
}

Result<std::vector<domain::Payment>> ListPendingPayments(Connection& connection, int limit) {
  static const std::string sql = std::string(kSelectPayment) +
                                 " WHERE status = 'pending' ORDER BY created_at, payment_id "
                                 "LIMIT $1";
  Result<Statement> statement = connection.Prepare(sql.c_str());
  if (!statement) {
    return statement.error();
  }
  statement->BindInt64(ClampLimit(limit, kListRowsMax));
  return ReadAll<domain::Payment>(*statement, ReadPayment);
}

Result<int64_t> NextSequenceValue(Connection& connection, std::string_view name) {
  // One statement both creates the counter at 1 and advances it, so the value is read under the
  // same write as the increment. The row stays locked until the transaction ends: a concurrent
  // transaction waits for it and then reads the committed value (gap-free), and a rollback
  // takes the increment back.
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO sequences (name, value) VALUES ($1, 1) "
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
  return statement->ReadInt64();
}

}  // namespace simkeep::storage::postgres::internal
